package io.flowgate.daemon.control;

import java.io.ByteArrayOutputStream;

/**
 * Splits a byte stream into top-level JSON objects sent back to back, as ovs-appctl and OVS's
 * jsonrpc send them (no newline or length framing). It tracks only nesting and strings; the
 * content is parsed later. Anything that does not start an object, or an object larger than the
 * limit, is a framing error: the connection is closed, as OVS closes it on a parse error.
 */
final class JsonFraming {
    /** Why a stream cannot be read on. */
    static final class FramingException extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        FramingException(final String message) {
            super(message);
        }
    }

    private final int limit;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private int depth;
    private boolean inString;
    private boolean escape;

    JsonFraming(final int limit) {
        this.limit = limit;
    }

    /** What {@link #feed} reports for each complete message. */
    interface Sink {
        void message(byte[] json) throws FramingException;
    }

    /** Consumes bytes; calls {@code sink} once per complete top-level object. */
    void feed(final byte[] buf, final int off, final int len, final Sink sink) throws FramingException {
        for (int i = off; i < off + len; i++) {
            final byte b = buf[i];
            if (depth == 0) {
                if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
                    continue;
                }
                if (b != '{') {
                    throw new FramingException("expected a JSON object, found '" + (char) (b & 0xFF) + "'");
                }
            }
            current.write(b);
            if (current.size() > limit) {
                throw new FramingException("message longer than " + limit + " bytes");
            }
            if (inString) {
                if (escape) {
                    escape = false;
                } else if (b == '\\') {
                    escape = true;
                } else if (b == '"') {
                    inString = false;
                }
                continue;
            }
            switch (b) {
                case '"' -> inString = true;
                case '{', '[' -> depth++;
                case '}', ']' -> {
                    if (--depth == 0) {
                        final byte[] message = current.toByteArray();
                        current.reset();
                        sink.message(message);
                    } else if (depth < 0) {
                        throw new FramingException("unbalanced '" + (char) b + "'");
                    }
                }
                default -> {
                }
            }
        }
    }
}
