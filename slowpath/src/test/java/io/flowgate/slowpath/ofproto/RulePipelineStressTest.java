package io.flowgate.slowpath.ofproto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** Readers classify continuously while a writer publishes batches. */
class RulePipelineStressTest {
    private static final int READERS = 3;
    private static final int BATCHES = 3000;

    @Test
    void noReaderEverSeesHalfABatchAndVersionsOnlyMoveForward() throws Exception {
        final RulePipeline pipeline = new RulePipeline();
        PublishFixture.publish(pipeline, 0);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<String> violation = new AtomicReference<>();
        final AtomicLong observations = new AtomicLong();
        final Thread[] readers = new Thread[READERS];
        for (int t = 0; t < READERS; t++) {
            readers[t] = new Thread(() -> {
                long lastVersion = -1;
                long lastGeneration = -1;
                while (!stop.get()) {
                    final PipelineVersion v = pipeline.current();
                    final long g = PublishFixture.observe(v);
                    if (g < 0) {
                        violation.compareAndSet(null, "version " + v.version() + " shows a half batch (" + g + ")");
                    }
                    if (v.version() < lastVersion || g < lastGeneration) {
                        violation.compareAndSet(null, "went back from version " + lastVersion + " to " + v.version());
                    }
                    lastVersion = v.version();
                    lastGeneration = g;
                    observations.incrementAndGet();
                }
            }, "reader-" + t);
            readers[t].start();
        }
        for (int g = 1; g <= BATCHES; g++) {
            PublishFixture.publish(pipeline, g);
        }
        stop.set(true);
        for (Thread r : readers) {
            r.join(10_000);
        }
        assertEquals(null, violation.get());
        assertEquals(BATCHES, PublishFixture.observe(pipeline.current()));
        assertTrue(observations.get() > BATCHES, "readers ran while the writer published: " + observations.get());
    }

    @Test
    void readersKeepClassifyingWhileAWriterIsInTheMiddleOfABatch() throws Exception {
        final RulePipeline pipeline = new RulePipeline();
        PublishFixture.publish(pipeline, 1);
        final CountDownLatch writerInside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Thread writer = new Thread(() -> {
            try {
                pipeline.apply(e -> {
                    e.deleteRules(RulePipeline.RuleFilter.all());
                    writerInside.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                    for (int i = 0; i < PublishFixture.SLOTS; i++) {
                        e.addRule(PublishFixture.slotRule(i, 2));
                    }
                });
            } catch (PipelineException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        assertTrue(writerInside.await(5, TimeUnit.SECONDS));
        // The writer holds the write side and is stuck half-way; readers must not wait for it.
        long lookups = 0;
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        while (System.nanoTime() < deadline) {
            assertEquals(1, PublishFixture.observe(pipeline.current()));
            lookups++;
        }
        release.countDown();
        writer.join(5_000);
        assertTrue(lookups > 100, "lookups during the stalled batch: " + lookups);
        assertEquals(2, PublishFixture.observe(pipeline.current()));
    }
}
