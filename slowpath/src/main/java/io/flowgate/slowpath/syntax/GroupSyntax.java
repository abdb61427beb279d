package io.flowgate.slowpath.syntax;

import io.flowgate.slowpath.ofproto.Bucket;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.OfAction;
import io.flowgate.slowpath.ofproto.OfField;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Open vSwitch's group syntax ({@code ovs-ofctl add-groups}):
 * {@code group_id=1,type=select,selection_method=hprio,bucket=weight:5,upper_threshold:50,lower_threshold:20,actions=output:2}.
 *
 * <p>Flowgate adds {@code selection_method=maglev} (consistent hashing every node computes alike)
 * and the group property {@code expire_nodest_conn=true} (drop a removed bucket's connections at
 * their next packet, as IPVS's sysctl of that name).
 *
 * <p>Group properties come first, then one {@code bucket=} per bucket. A bucket's properties are
 * {@code bucket_id:N}, {@code weight:N}, {@code watch_port:N} and Flowgate's connection thresholds
 * for select groups, {@code upper_threshold:N} and {@code lower_threshold:N} (IPVS's u_threshold
 * and l_threshold; 0 or absent means none); then its actions, after {@code actions=} or directly.
 */
public final class GroupSyntax {
    private GroupSyntax() {
    }

    public static List<Group> parseGroupsFile(final Path file) throws SyntaxException, IOException {
        return parseGroups(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    public static List<Group> parseGroups(final String source, final String text) throws SyntaxException {
        final List<Group> groups = new ArrayList<>();
        final Set<Integer> ids = new HashSet<>();
        final String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            final String line = FlowSyntax.stripComment(lines[i]);
            if (line.isBlank()) {
                continue;
            }
            final Group g = parseGroup(source, i + 1, line);
            if (!ids.add(g.groupId())) {
                throw new SyntaxException(source, i + 1, 1, "group_id=" + g.groupId(),
                        "group " + g.groupId() + " is defined twice");
            }
            groups.add(g);
        }
        return groups;
    }

    public static Group parseGroup(final String source, final int lineNo, final String text) throws SyntaxException {
        final FlowSyntax.Line l = new FlowSyntax.Line(source, lineNo);
        final List<Token> tokens = Token.split(text, 1, true);
        long groupId = -1;
        Group.Type type = null;
        String method = "hash";
        boolean expireNodest = false;
        final List<OfField> fields = new ArrayList<>();
        final List<List<Token>> buckets = new ArrayList<>();
        for (Token t : tokens) {
            final String lower = t.text().toLowerCase(Locale.ROOT);
            if (lower.startsWith("bucket=")) {
                final List<Token> b = new ArrayList<>();
                final String rest = t.text().substring("bucket=".length());
                if (!rest.isEmpty()) {
                    b.add(new Token(rest, t.column() + "bucket=".length()));
                }
                buckets.add(b);
                continue;
            }
            if (!buckets.isEmpty()) {
                buckets.get(buckets.size() - 1).add(t);
                continue;
            }
            final String name = t.name('=').toLowerCase(Locale.ROOT);
            final String v = t.value('=');
            try {
                if (name.startsWith("fields(")) {
                    if (!t.text().endsWith(")")) {
                        throw new Values.Bad(t.text() + ": missing \")\"");
                    }
                    for (String f : t.text().substring(7, t.text().length() - 1).split(",")) {
                        final OfField field = OfField.byName(f.strip());
                        if (field == null) {
                            throw new Values.Bad("fields(): unknown field \"" + f.strip() + "\"");
                        }
                        fields.add(field);
                    }
                    continue;
                }
                if (v == null || v.isEmpty()) {
                    throw new Values.Bad("expected group_id=, type=, selection_method=, fields(...) or bucket=, not \""
                            + t.text() + "\"");
                }
                switch (name) {
                    case "group_id" -> groupId = Values.uint(v, 32, "group_id");
                    case "type" -> type = switch (v.toLowerCase(Locale.ROOT)) {
                        case "all" -> Group.Type.ALL;
                        case "select" -> Group.Type.SELECT;
                        case "indirect" -> Group.Type.INDIRECT;
                        case "ff", "fast_failover" -> throw new Values.Bad("group type \"" + v
                                + "\" is not supported by Flowgate (all, select, indirect are)");
                        default -> throw new Values.Bad("unknown group type \"" + v + "\" (all, select, indirect)");
                    };
                    case "selection_method" -> {
                        method = v.toLowerCase(Locale.ROOT);
                        if (!Set.of("hash", "hprio", "wrr", "rr", "maglev", "dp_hash").contains(method)) {
                            throw new Values.Bad("unknown selection_method \"" + v + "\" (hash, hprio, wrr, rr, maglev)");
                        }
                        if (method.equals("dp_hash")) {
                            method = "hash";
                        }
                    }
                    case "selection_method_param" -> Values.uint(v, 64, "selection_method_param");
                    case "expire_nodest_conn" -> expireNodest = switch (v.toLowerCase(Locale.ROOT)) {
                        case "true", "1" -> true;
                        case "false", "0" -> false;
                        default -> throw new Values.Bad("expire_nodest_conn must be true or false, not \"" + v + "\"");
                    };
                    default -> throw new Values.Bad("unknown group property \"" + t.name('=') + "\"");
                }
            } catch (Values.Bad e) {
                throw l.error(t, e.getMessage());
            }
        }
        if (groupId < 0) {
            throw l.error(1, text.strip(), "group has no group_id=");
        }
        if (type == null) {
            throw l.error(1, text.strip(), "group " + groupId + " has no type= (all, select or indirect)");
        }
        final List<Bucket> parsed = new ArrayList<>();
        int nextId = 0;
        final Set<Integer> bucketIds = new HashSet<>();
        for (List<Token> b : buckets) {
            final Bucket bucket = bucket(l, b, nextId);
            if (!bucketIds.add(bucket.bucketId())) {
                throw l.error(b.isEmpty() ? 1 : b.get(0).column(), b.isEmpty() ? "" : b.get(0).text(),
                        "bucket_id " + bucket.bucketId() + " is used twice in group " + groupId);
            }
            nextId = Math.max(nextId, bucket.bucketId() + 1);
            parsed.add(bucket);
        }
        if (type == Group.Type.INDIRECT && parsed.size() != 1) {
            throw l.error(1, text.strip(), "indirect group " + groupId + " must have exactly one bucket, not "
                    + parsed.size());
        }
        return new Group((int) groupId, type, method, fields, parsed, expireNodest);
    }

    private static Bucket bucket(final FlowSyntax.Line l, final List<Token> tokens, final int defaultId)
            throws SyntaxException {
        int id = defaultId;
        int weight = 1;
        int watch = -1;
        int upper = 0;
        int lower = 0;
        int i = 0;
        for (; i < tokens.size(); i++) {
            final Token t = tokens.get(i);
            final String name = t.name(':').toLowerCase(Locale.ROOT);
            final String v = t.value(':');
            if (t.text().toLowerCase(Locale.ROOT).startsWith("actions=")) {
                break;
            }
            if (v == null || !Set.of("bucket_id", "weight", "watch_port", "upper_threshold", "lower_threshold",
                    "watch_group").contains(name)) {
                break;
            }
            try {
                switch (name) {
                    case "bucket_id" -> id = (int) Values.uint(v, 32, "bucket_id");
                    case "weight" -> weight = (int) Values.uint(v, 16, "weight");
                    case "watch_port" -> watch = (int) Values.uint(v, 32, "watch_port");
                    case "upper_threshold" -> upper = (int) Values.uint(v, 31, "upper_threshold");
                    case "lower_threshold" -> lower = (int) Values.uint(v, 31, "lower_threshold");
                    default -> throw new Values.Bad("watch_group is not supported by Flowgate");
                }
            } catch (Values.Bad e) {
                throw l.error(t.valueColumn(':'), v, e.getMessage());
            }
        }
        if (upper > 0 && lower > upper) {
            throw l.error(tokens.get(0), "lower_threshold " + lower + " is above upper_threshold " + upper);
        }
        final List<Token> actionTokens = new ArrayList<>(tokens.subList(i, tokens.size()));
        if (!actionTokens.isEmpty() && actionTokens.get(0).text().toLowerCase(Locale.ROOT).startsWith("actions=")) {
            final Token first = actionTokens.get(0);
            final String rest = first.text().substring("actions=".length());
            if (rest.isEmpty()) {
                actionTokens.remove(0);
            } else {
                actionTokens.set(0, new Token(rest, first.column() + "actions=".length()));
            }
        }
        final List<OfAction> actions = ActionSyntax.parse(l, actionTokens, -1, null);
        return new Bucket(id, weight, watch, upper, lower, actions);
    }
}
