package io.flowgate.slowpath.upcall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.flow.FlowMask;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.megaflow.FlowRegistry;
import io.flowgate.fastpath.pmd.Outbox;
import io.flowgate.fastpath.pmd.Pmds;
import io.flowgate.fastpath.testing.PacketBuilder;
import io.flowgate.fastpath.testing.Parsed;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.RulePipeline;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.ukey.UkeyMap;
import io.flowgate.slowpath.xlate.Xlate;
import io.flowgate.slowpath.xlate.XlateResult;

import org.junit.jupiter.api.Test;

/**
 * A set-up whose translation began before a flush (revalidator/purge, dpctl/del-flows) does not
 * install: the flush may have looked at the registry before the flow got there. The flow it had
 * registered is taken back out and marked dead and removed, so that a flush that saw it
 * registered counts it gone (the stress test's "a flow from before the flush survived it" under
 * load was such a flow: never installed, but never marked either).
 */
class FlushBeforeInstallTest {
    @Test
    void aSetUpTranslatedBeforeAFlushIsUndoneAndItsFlowCountsAsRemoved() throws Exception {
        final RulePipeline pipeline = new RulePipeline(TrieField.DEFAULT);
        final var rules = FlowSyntax.parseFlows("t", "priority=1,udp,actions=output:2\n", 0);
        pipeline.apply(e -> rules.forEach(e::addRule));
        final FlowRegistry registry = new FlowRegistry();
        final UkeyMap ukeys = new UkeyMap(16);
        final Xlate xlate = new Xlate();
        final Udpif udpif = new Udpif(pipeline, xlate, registry, ukeys, new FlowLimit());
        final long[] key = Parsed.parse(PacketBuilder.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 53).build(), 1).key();

        final long epoch = udpif.flushEpoch(); // the handler reads the epoch, then translates...
        final XlateResult result = xlate.translate(pipeline.current(), key);
        udpif.beginFlush();                     // ...while a flush begins
        final DpFlow flow = new DpFlow(key, FlowMask.of(result.datapathMask()), result.actions(), 0, 0);
        udpif.setUp(flow, key, result, epoch, new Outbox(new Pmds()));

        assertEquals(1, udpif.counters().flushedBeforeInstall());
        assertEquals(0, registry.size(), "not registered");
        assertTrue(flow.isDead() && flow.isRemoved(), "no PMD will ever have it: dead, removed, statistics final");
        assertEquals(0, ukeys.size());
        assertEquals(ukeys.counters().created(), ukeys.counters().finished(), "its ukey finished");
        assertFalse(flow.owner() instanceof io.flowgate.slowpath.ukey.Ukey u && u.isLocked(), "and unlocked");
    }
}
