package io.flowgate.daemon.cli;

import io.flowgate.daemon.control.TraceRequest;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.slowpath.ofproto.PipelineVersion;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

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

    @CommandLine.Mixin
    RuleFiles.Options rules;

    @Parameters(paramLabel = "[BRIDGE] FLOW [PACKET]", arity = "1..3", description = "as ovs-appctl ofproto/trace takes"
            + " them: the bridge (flowgate or br0, may be left out), the packet in OVS flow syntax, e.g."
            + " in_port=1,tcp,nw_dst=10.1.2.3,tp_dst=80, and optionally the frame in hex (the flow then gives in_port)")
    List<String> arguments;

    @Option(names = {"-generate", "--generate"}, description = "as OVS's: the trace is the flow's (no action of Flowgate's"
            + " acts outside the packet)")
    boolean generate;

    @Override
    public Integer call() {
        final var out = spec.commandLine().getOut();
        final var err = spec.commandLine().getErr();
        final RulePipeline rulePipeline = rules.load(err);
        if (rulePipeline == null) {
            return 1;
        }
        final PipelineVersion pipeline = rulePipeline.current();
        final long[] key;
        try {
            final List<String> args = new java.util.ArrayList<>(arguments);
            if (generate) {
                args.add("-generate");
            }
            key = TraceRequest.parse(args, FlowExtractor.DEFAULT_VLAN_LIMIT);
        } catch (TraceRequest.BadRequest e) {
            return FlowgateCommand.fail(err, e);
        }
        final XlateResult r = new Xlate().translate(pipeline, key, true);
        out.print(r.trace());
        out.flush();
        return 0;
    }
}
