package io.flowgate.daemon.cli;

import io.flowgate.daemon.config.Settings;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Loading rule and group files, shared by the commands; {@link Options} are replay's and trace's options for them. */
final class RuleFiles {
    private RuleFiles() {
    }

    /** --flows, --groups and --prefixes (run takes them from {@link Settings}, a file may give them there). */
    static final class Options {
        @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec command;

        @Option(names = "--flows", required = true, paramLabel = "FILE",
                description = "rules (ovs-ofctl flows-file syntax)")
        Path flows;

        @Option(names = "--groups", paramLabel = "FILE", description = "groups (ovs-ofctl add-groups syntax)")
        Path groups;

        @Option(names = "--prefixes", paramLabel = "FIELDS", split = ",", defaultValue = "nw_dst,nw_src",
                description = "fields with prefix tries, in order (nw_dst, nw_src, ipv6_dst, ipv6_src; default:"
                        + " ${DEFAULT-VALUE})")
        List<String> prefixes;

        /** The rules, or null once what is wrong with them is reported on err; a bad --prefixes exits 2. */
        RulePipeline load(final PrintWriter err) {
            final TrieField[] tries;
            try {
                tries = Settings.tries(String.join(",", prefixes));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(command.commandLine(), "--prefixes: " + e.getMessage());
            }
            return RuleFiles.load(flows, groups, tries, err);
        }
    }

    /** Loads the files into a new pipeline, or reports what is wrong on err ("flowgate: ...") and returns null. */
    static RulePipeline load(final Path flowsFile, final Path groupsFile, final TrieField[] tries,
                             final PrintWriter err) {
        try {
            final RulePipeline p = new RulePipeline(tries);
            reload(p, flowsFile, groupsFile); // into an empty pipeline: everything is added
            return p;
        } catch (IOException | SyntaxException | PipelineException e) {
            FlowgateCommand.fail(err, e);
            return null;
        }
    }

    /**
     * Reads the files again into a running pipeline (SIGHUP), as one change: rules defined as
     * before are kept with their counters (as replace-flows), groups are replaced or added, groups
     * no longer in the file are deleted. A file with an error changes nothing. Without a rule
     * file (a controller programs the switch) the rules are left alone.
     *
     * @return what changed, for the log
     */
    static String reload(final RulePipeline pipeline, final Path flowsFile, final Path groupsFile)
            throws IOException, SyntaxException, PipelineException {
        if (flowsFile == null && groupsFile == null) {
            return "no rule or group file";
        }
        final List<Group> gs = groupsFile == null ? List.of() : GroupSyntax.parseGroupsFile(groupsFile);
        final List<Rule> rules = flowsFile == null ? List.of()
                : FlowSyntax.parseFlowsFile(flowsFile, System.currentTimeMillis());
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
            if (flowsFile == null) { // the rules are the controller's
                done[0] = gs.size() + " group(s)";
                return;
            }
            final var r = e.replaceRules(rules);
            done[0] = r.kept() + " rule(s) kept, " + r.replaced() + " replaced, " + r.added() + " added, "
                    + r.deleted() + " deleted; " + gs.size() + " group(s)";
        });
        return done[0];
    }
}
