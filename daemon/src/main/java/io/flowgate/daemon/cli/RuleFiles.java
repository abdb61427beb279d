package io.flowgate.daemon.cli;

import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine;

/** Loading rule and group files and the prefix-trie option, shared by the commands. */
final class RuleFiles {
    private RuleFiles() {
    }

    /** Loads a flows file and an optional groups file into a new pipeline (groups first). */
    static RulePipeline load(final Path flowsFile, final Path groupsFile, final TrieField[] tries)
            throws IOException, SyntaxException, PipelineException {
        final RulePipeline p = new RulePipeline(tries);
        reload(p, flowsFile, groupsFile); // into an empty pipeline: everything is added
        return p;
    }

    /**
     * Reads the files again into a running pipeline (SIGHUP), as one change: rules defined as
     * before are kept with their counters (as replace-flows), groups are replaced or added, groups
     * no longer in the file are deleted. A file with an error changes nothing.
     *
     * @return what changed, for the log
     */
    static String reload(final RulePipeline pipeline, final Path flowsFile, final Path groupsFile)
            throws IOException, SyntaxException, PipelineException {
        final List<Group> gs = groupsFile == null ? List.of() : GroupSyntax.parseGroupsFile(groupsFile);
        final List<Rule> rules = FlowSyntax.parseFlowsFile(flowsFile, System.currentTimeMillis());
        final String[] done = new String[1];
        pipeline.apply(e -> {
            final java.util.Set<Integer> keep = new java.util.HashSet<>();
            for (Group g : gs) {
                keep.add(g.groupId());
                if (!g.equals(e.group(g.groupId()))) {
                    e.putGroup(g);
                }
            }
            for (Integer id : List.copyOf(e.base().groups().keySet())) {
                if (!keep.contains(id)) {
                    e.deleteGroup(id);
                }
            }
            final var r = e.replaceRules(rules);
            done[0] = r.kept() + " rule(s) kept, " + r.replaced() + " replaced, " + r.added() + " added, "
                    + r.deleted() + " deleted; " + gs.size() + " group(s)";
        });
        return done[0];
    }

    /** Parses the --prefixes list (nw_dst, nw_src, ipv6_dst, ipv6_src), keeping the first of repeats. */
    static TrieField[] tries(final List<String> names) {
        final List<TrieField> out = new ArrayList<>();
        for (String n : names) {
            if (n.isBlank()) {
                continue;
            }
            final TrieField t = TrieField.byName(n.strip());
            if (t == null) {
                throw new CommandLine.ParameterException(new CommandLine(new FlowgateCommand()),
                        "--prefixes: unknown field \"" + n + "\" (nw_dst, nw_src, ipv6_dst, ipv6_src)");
            }
            if (!out.contains(t)) {
                out.add(t);
            }
        }
        return out.toArray(new TrieField[0]);
    }
}
