package io.flowgate.slowpath.syntax;

/**
 * Malformed rule, group or flow text: names the source, line, column and offending token.
 * Message shape: {@code flows.txt:3:17: unknown field "nw_dstt"}.
 */
public final class SyntaxException extends Exception {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final int column;
    private final String token;
    private final String problem;

    public SyntaxException(final String source, final int line, final int column, final String token,
                           final String problem) {
        super(source + ":" + line + ":" + column + ": " + problem);
        this.source = source;
        this.line = line;
        this.column = column;
        this.token = token;
        this.problem = problem;
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    /** 1-based column of the offending token. */
    public int column() {
        return column;
    }

    public String token() {
        return token;
    }

    /** The message without the position prefix. */
    public String problem() {
        return problem;
    }
}
