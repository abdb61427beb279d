package io.flowgate.daemon.bridge;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.fastpath.pmd.PmdCommand;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.slowpath.classifier.TrieField;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An exception escaping a PMD's duty cycle fails the datapath, naming the PMD and the exception
 * (`run` and `replay` then stop with a non-zero status); before, it was logged and the datapath
 * reported itself running while that PMD's packets could be stuck. A handler's exception does not.
 */
class PmdFailureTest {
    @Test
    @Timeout(60)
    void aPmdThatThrowsFailsTheDatapath() throws Exception {
        final BridgeConfig config = BridgeConfig.of(List.of(PortSpec.parse(1, "ring:in"),
                PortSpec.parse(2, "ring:out")), null, false);
        try (Bridge dp = new Bridge(config, new RulePipeline(TrieField.DEFAULT))) {
            dp.start();
            assertNull(dp.failure());
            assertTrue(dp.pmd(0).offer(new PmdCommand.Run(() -> {
                throw new IllegalStateException("a bug in a duty cycle");
            })));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (dp.failure() == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            final String failure = dp.failure();
            assertTrue(failure != null && failure.contains(dp.pmd(0).roleName())
                    && failure.contains("IllegalStateException: a bug in a duty cycle"), String.valueOf(failure));
        }
    }
}
