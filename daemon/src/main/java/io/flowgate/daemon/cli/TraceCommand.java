package io.flowgate.daemon.cli;

import io.flowgate.daemon.control.TraceRequest;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.Pipeline;
import io.flowgate.slowpath.ofproto.PipelineException;
import io.flowgate.slowpath.syntax.SyntaxException;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flowgate trace --flows FILE [--groups FILE] [BRIDGE] FLOW [-generate | PACKET]}: the offline twin of
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

    @Parameters(paramLabel = "[BRIDGE] FLOW [PACKET]", arity = "1..3", description = "as ovs-appctl ofproto/trace takes"
            + " them: the bridge (flowgate or br0, may be left out), the packet in OVS flow syntax, e.g."
            + " in_port=1,tcp,nw_dst=10.1.2.3,tp_dst=80, and optionally the frame in hex (the flow then gives in_port)")
    List<String> arguments;

    @Option(names = {"-generate", "--generate"}, description = "as OVS's: the trace is the flow's (no action of Flowgate's"
            + " acts outside the packet)")
    boolean generate;

    @Override
    public Integer call() throws IOException {
        final var out = spec.commandLine().getOut();
        final var err = spec.commandLine().getErr();
        final TrieField[] tries = RuleFiles.tries(prefixes);
        final Pipeline pipeline;
        final long[] key;
        try {
            pipeline = RuleFiles.load(flows, groups, tries).current();
            final List<String> args = new java.util.ArrayList<>(arguments);
            if (generate) {
                args.add("-generate");
            }
            key = TraceRequest.parse(args, FlowExtractor.DEFAULT_VLAN_LIMIT);
        } catch (SyntaxException | PipelineException | TraceRequest.BadRequest e) {
            err.println("flowgate: " + e.getMessage());
            return 1;
        }
        final XlateResult r = new Xlate().translate(pipeline, key, true);
        out.print(r.trace());
        out.flush();
        return 0;
    }
}
