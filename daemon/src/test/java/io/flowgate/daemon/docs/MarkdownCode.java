package io.flowgate.daemon.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The code a Markdown page shows: lines of indented and fenced blocks, and inline code spans.
 * A block line ending in a backslash is joined with the next; a line indented deeper than its
 * block's first line that does not continue one is the previous line's description or output
 * (README's table of commands, rates.md's sample output), and so is text after two spaces on a
 * command's own line.
 */
public final class MarkdownCode {
    private static final Pattern INLINE = Pattern.compile("`([^`\n]+)`");
    private static final Pattern FENCE = Pattern.compile("^(\\s*)```\\s*(\\S*)\\s*$");

    private MarkdownCode() {
    }

    /** One line of code as a page shows it: the page, the line number it starts on, its text. */
    public record Line(Path file, int line, String text, Block block) {
        public String where() {
            return file + ":" + line;
        }
    }

    /** Where a line comes from. */
    public enum Block {
        /** An indented block, or a fenced one without a language or marked sh/console. */
        CODE,
        /** A fenced block marked {@code text}: a diagram or sample output, not commands. */
        TEXT,
        /** An inline code span in prose. */
        INLINE,
    }

    /** The code lines of a page, in page order. */
    public static List<Line> lines(final Path file) throws IOException {
        return lines(file, Files.readAllLines(file));
    }

    /** The code lines of a page given as text (tests of this reader pass made-up pages). */
    public static List<Line> lines(final Path file, final List<String> page) {
        final List<Line> out = new ArrayList<>();
        int i = 0;
        boolean previousBlank = true;
        while (i < page.size()) {
            final String raw = page.get(i);
            final Matcher fence = FENCE.matcher(raw);
            if (fence.matches()) {
                final String lang = fence.group(2);
                final Block kind = lang.equals("text") ? Block.TEXT : Block.CODE;
                if (!lang.isEmpty() && !List.of("text", "sh", "console").contains(lang)) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": fenced block of language \""
                            + lang + "\": mark it text (not commands), sh or console");
                }
                i++;
                final List<String> body = new ArrayList<>();
                final int start = i + 1;
                while (i < page.size() && !FENCE.matcher(page.get(i)).matches()) {
                    body.add(page.get(i));
                    i++;
                }
                if (i == page.size()) {
                    throw new IllegalArgumentException(file + ":" + (start - 1) + ": fenced block never closed");
                }
                i++;
                block(file, start, body, kind, out);
                previousBlank = false;
                continue;
            }
            if (previousBlank && indent(raw) >= 4 && !raw.isBlank()) {
                final int start = i + 1;
                final List<String> body = new ArrayList<>();
                // A block runs to the first line indented less than four, blank lines included.
                while (i < page.size() && (page.get(i).isBlank() || indent(page.get(i)) >= 4)) {
                    body.add(page.get(i));
                    i++;
                }
                block(file, start, body, Block.CODE, out);
                previousBlank = false;
                continue;
            }
            if (!raw.isBlank()) {
                final Matcher m = INLINE.matcher(raw);
                while (m.find()) {
                    out.add(new Line(file, i + 1, m.group(1), Block.INLINE));
                }
            }
            previousBlank = raw.isBlank();
            i++;
        }
        return out;
    }

    private static void block(final Path file, final int firstLine, final List<String> body, final Block kind,
            final List<Line> out) {
        int base = -1;
        boolean loopBody = false;
        StringBuilder joined = null;
        int joinedStart = 0;
        for (int k = 0; k < body.size(); k++) {
            final String raw = body.get(k);
            if (raw.isBlank()) {
                base = -1; // a blank line ends a group: the next line sets the indentation again
                continue;
            }
            if (joined != null) {
                joined.append(' ').append(raw.strip());
            } else {
                if (base >= 0 && indent(raw) > base && kind != Block.TEXT && !loopBody) {
                    continue; // the description or output of the line above
                }
                if (base < 0) {
                    base = indent(raw);
                }
                joined = new StringBuilder(raw.strip());
                joinedStart = firstLine + k;
            }
            if (joined.toString().endsWith("\\")) {
                joined.setLength(joined.length() - 1);
                joined = new StringBuilder(joined.toString().stripTrailing());
                continue;
            }
            final String text = kind == Block.TEXT ? joined.toString() : withoutDescription(joined.toString());
            out.add(new Line(file, joinedStart, text, kind));
            // The lines of a shell loop's body are commands of their own, not a description.
            if (text.endsWith("; do") || text.equals("do")) {
                loopBody = true;
            } else if (text.equals("done")) {
                loopBody = false;
            }
            joined = null;
        }
        if (joined != null) {
            throw new IllegalArgumentException(file + ":" + joinedStart + ": the last line ends with a backslash");
        }
    }

    /** A line cut where two spaces outside quotes begin its description or a comment. */
    static String withoutDescription(final String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            final char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == ' ' && i + 1 < line.length() && line.charAt(i + 1) == ' ') {
                return line.substring(0, i);
            } else if (c == '#' && i > 0 && line.charAt(i - 1) == ' ') {
                return line.substring(0, i).stripTrailing();
            }
        }
        return line;
    }

    private static int indent(final String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }

    /**
     * The words of a shell command line as sh would split them: single and double quotes group
     * and are removed, a backslash escapes the next character outside single quotes.
     */
    public static List<String> words(final String line) {
        final List<String> out = new ArrayList<>();
        StringBuilder word = null;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            final char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < line.length()) {
                    word.append(line.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == ' ' || c == '\t') {
                if (word != null) {
                    out.add(word.toString());
                    word = null;
                }
            } else {
                if (word == null) {
                    word = new StringBuilder();
                }
                if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '\\' && i + 1 < line.length()) {
                    word.append(line.charAt(++i));
                } else {
                    word.append(c);
                }
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unterminated " + quote + " in: " + line);
        }
        if (word != null) {
            out.add(word.toString());
        }
        return out;
    }
}
