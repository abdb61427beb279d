package io.flowgate.slowpath.syntax;

import java.util.ArrayList;
import java.util.List;

/** A piece of a flow-syntax line and the column it starts at (1-based). */
record Token(String text, int column) {
    /**
     * Splits {@code s} (which starts at {@code column}) at commas and, if {@code spaces}, at
     * whitespace, except inside parentheses.
     */
    static List<Token> split(final String s, final int column, final boolean spaces) {
        final List<Token> out = new ArrayList<>();
        int depth = 0;
        int start = -1;
        for (int i = 0; i <= s.length(); i++) {
            final char c = i < s.length() ? s.charAt(i) : ',';
            final boolean sep = depth == 0 && (c == ',' || (spaces && Character.isWhitespace(c)));
            if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            }
            if (sep) {
                if (start >= 0) {
                    out.add(new Token(s.substring(start, i), column + start));
                    start = -1;
                }
            } else if (start < 0 && !Character.isWhitespace(c)) {
                start = i;
            }
        }
        return out;
    }

    /** The part before the first {@code sep} (or the whole text). */
    String name(final char sep) {
        final int i = text.indexOf(sep);
        return i < 0 ? text : text.substring(0, i);
    }

    /** The part after the first {@code sep}, or null if there is none. */
    String value(final char sep) {
        final int i = text.indexOf(sep);
        return i < 0 ? null : text.substring(i + 1);
    }

    /** Column at which the value after {@code sep} starts. */
    int valueColumn(final char sep) {
        final int i = text.indexOf(sep);
        return i < 0 ? column : column + i + 1;
    }
}
