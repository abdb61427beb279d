package io.flowgate.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class CpuAffinityTest {
    @Test
    void aThreadPinnedToOneCpuReportsJustThatCpu() throws Exception {
        final BitSet allowed = CpuAffinity.currentThread();
        assertTrue(allowed.cardinality() >= 1, "this thread may run somewhere: " + allowed);
        final int cpu = allowed.length() - 1;
        final AtomicReference<BitSet> seen = new AtomicReference<>();
        final Thread t = Thread.ofPlatform().start(() -> {
            final BitSet one = new BitSet();
            one.set(cpu);
            CpuAffinity.pinCurrentThread(one);
            seen.set(CpuAffinity.currentThread());
        });
        t.join();
        final BitSet expected = new BitSet();
        expected.set(cpu);
        assertEquals(expected, seen.get());
        assertEquals(allowed, CpuAffinity.currentThread(), "other threads are not affected");
    }

    @Test
    void cpuListsAreReadAsTasksetWritesThem() {
        assertEquals(BitSet.valueOf(new long[] {0b1101}), CpuAffinity.parseList("0,2-3"));
        assertEquals(BitSet.valueOf(new long[] {0b10}), CpuAffinity.parseList(" 1 "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CpuAffinity.parseList("3-1")).getMessage()
                .contains("\"3-1\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CpuAffinity.parseList("a")).getMessage()
                .contains("\"a\" is not a CPU number"));
        assertThrows(IllegalArgumentException.class, () -> CpuAffinity.parseList(""));
    }

    @Test
    void pinningToNoCpuOrAnImpossibleOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CpuAffinity.pinCurrentThread(new BitSet()));
        final BitSet far = new BitSet();
        far.set(1000);
        final BitSet before = CpuAffinity.currentThread();
        assertTrue(assertThrows(IllegalStateException.class, () -> CpuAffinity.pinCurrentThread(far)).getMessage()
                .contains("errno 22"), "no such CPU: the kernel says EINVAL");
        assertEquals(before, CpuAffinity.currentThread(), "a refused pin changes nothing");
    }
}
