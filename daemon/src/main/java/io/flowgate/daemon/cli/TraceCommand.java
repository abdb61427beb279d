package io.flowgate.daemon.cli;

import io.flowgate.slowpath.ofproto.Group;
import io.flowgate.slowpath.ofproto.Pipeline;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.ofproto.Rule;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.ofproto.TrieField;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.GroupSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flowgate trace --flows FILE [--groups FILE] FLOW}: the offline twin of
 * {@code ovs-appctl ofproto/trace}. Prints the rules hit per table, then "Megaflow:" and
 * "Datapath actions:" lines in Open vSwitch's syntax.
 */
@Command(name = "trace", description = "Show how a flow is classified and the megaflow it produces.")
final class TraceCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--flows", required = true, paramLabel = "FILE", description = "rules in ovs-ofctl flows-file syntax")
    Path flows;

    @Option(names = "--groups", paramLabel = "FILE", description = "groups in ovs-ofctl add-groups syntax")
    Path groups;

    @Option(names = "--prefixes", paramLabel = "FIELDS", split = ",", defaultValue = "nw_dst,nw_src",
            description = "fields with prefix tries, in order (nw_dst, nw_src, ipv6_dst, ipv6_src; default: ${DEFAULT-VALUE})")
    List<String> prefixes;

    @Parameters(paramLabel = "FLOW", description = "the packet, in OVS flow syntax, e.g. in_port=1,tcp,nw_dst=10.1.2.3,tp_dst=80")
    String flow;

    @Override
    public Integer call() throws IOException {
        final var out = spec.commandLine().getOut();
        final var err = spec.commandLine().getErr();
        final TrieField[] tries = tries(prefixes);
        final Pipeline pipeline;
        final long[] key;
        try {
            pipeline = load(flows, groups, tries);
            key = FlowSyntax.parseFlow(flow);
        } catch (SyntaxException | PipelineException e) {
            err.println("flowgate: " + e.getMessage());
            return 1;
        }
        final XlateResult r = new Xlate().translate(pipeline, key, true);
        out.print(r.trace());
        out.flush();
        return 0;
    }

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

    /** Loads a flows file and an optional groups file into a new pipeline (groups first). */
    static Pipeline load(final Path flowsFile, final Path groupsFile, final TrieField[] tries)
            throws IOException, SyntaxException, PipelineException {
        final List<Group> gs = groupsFile == null ? List.of() : GroupSyntax.parseGroupsFile(groupsFile);
        final List<Rule> rules = FlowSyntax.parseFlowsFile(flowsFile, System.currentTimeMillis());
        final RulePipeline p = new RulePipeline(tries);
        p.apply(e -> {
            for (Group g : gs) {
                e.addGroup(g);
            }
            for (Rule r : rules) {
                e.addRule(r);
            }
        });
        return p.current();
    }
}
