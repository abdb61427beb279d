package io.flowgate.slowpath.ofproto;

/** A change to the rule pipeline was refused; nothing of it was applied. */
public final class PipelineException extends Exception {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    public PipelineException(final String message) {
        super(message);
    }
}
