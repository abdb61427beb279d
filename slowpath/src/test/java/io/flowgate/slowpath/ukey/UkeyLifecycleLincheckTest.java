package io.flowgate.slowpath.ukey;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import kotlin.Unit;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.DSLScenarioBuilder;
import org.jetbrains.lincheck.datastructures.DSLThreadScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck) of the ukey life cycle on the real {@link UkeyMap} and {@link Ukey}:
 * handlers' misses (install, or replace a REMOVED ukey), revalidators' removals and sweeps, over
 * two megaflows, in every interleaving Lincheck explores. After each scenario: no ukey is left
 * CREATED or locked; every ukey in the map is INSTALLED or REMOVED and every other one DELETED;
 * every DELETED ukey was finished exactly once (or discarded, never visible); nothing moved
 * backwards. A deliberately broken sweeper, which finishes without the state machine's guard,
 * must be caught by the same checks.
 */
@Param(name = "k", gen = IntGen.class, conf = "0:1")
public class UkeyLifecycleLincheckTest {
    protected final UkeyMap map = new UkeyMap(2);
    private final ConcurrentLinkedQueue<Ukey> all = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Ukey> discarded = new ConcurrentLinkedQueue<>();
    protected final Map<Ukey, AtomicInteger> finishes = new ConcurrentHashMap<>();

    public UkeyLifecycleLincheckTest() {
        map.onFinish(this::finished);
    }

    protected final void finished(final Ukey u) { // final: the constructor hands it to the map
        finishes.computeIfAbsent(u, x -> new AtomicInteger()).incrementAndGet();
    }

    /** A handler's miss for megaflow k: claim, install, unlock. */
    @Operation
    public void miss(@Param(name = "k") final int k) {
        final Ukey u = Ukeys.ukey(k, map);
        all.add(u);
        if (map.claim(u).claimed()) {
            u.transition(UkeyState.INSTALLED);
            u.unlock();
        } else {
            discarded.add(u);
        }
    }

    /** A revalidator deletes megaflow k's flow: INSTALLED → REMOVED under the lock. */
    @Operation
    public void remove(@Param(name = "k") final int k) {
        final Ukey u = map.get(Ukeys.id(k));
        if (u != null && u.tryLock()) {
            try {
                if (u.state() == UkeyState.INSTALLED) {
                    u.flow().markDead();
                    u.transition(UkeyState.REMOVED);
                }
            } finally {
                u.unlock();
            }
        }
    }

    /** A sweeper: reads the state under the lock, releases it, then finishes a REMOVED ukey. */
    @Operation
    public void sweep(@Param(name = "k") final int k) {
        final Ukey u = map.get(Ukeys.id(k));
        if (u == null || !u.tryLock()) {
            return;
        }
        final UkeyState seen;
        try {
            seen = u.state();
        } finally {
            u.unlock();
        }
        if (seen == UkeyState.REMOVED) {
            finishRemoved(u);
        }
    }

    protected void finishRemoved(final Ukey u) {
        map.finish(u);
    }

    @Validate
    public void everyUkeyIsLiveOrFinishedExactlyOnce() {
        for (Ukey u : all) {
            final UkeyState s = u.state();
            final boolean inMap = map.get(u.id()) == u;
            final int finished = finishes.getOrDefault(u, new AtomicInteger()).get();
            check(!u.isLocked(), u, "left locked");
            check(s != UkeyState.CREATED, u, "left CREATED");
            check(finished <= 1, u, "finished " + finished + " times");
            if (s == UkeyState.DELETED) {
                check(!inMap, u, "DELETED but still in the map");
                check(finished == 1 || discarded.contains(u), u, "DELETED without being finished");
            } else {
                check(inMap, u, s + " but not in the map (leaked)");
                check(finished == 0, u, "finished while " + s);
            }
        }
        check(map.counters().backwardTransitions() == 0, null, "a transition went backwards");
    }

    private static void check(final boolean ok, final Ukey u, final String what) {
        if (!ok) {
            throw new IllegalStateException((u == null ? "" : u + ": ") + what);
        }
    }

    /**
     * The races that matter, spelled out (random scenarios find them only by luck): after a
     * flow was installed and removed, a sweep meets a replacing miss, or another sweep.
     */
    private static ModelCheckingOptions withRaces(final ModelCheckingOptions o, final Class<?> test) {
        return o.addCustomScenario(scenario(test, List.of("miss", "remove"), List.of("sweep"), List.of("miss")))
                .addCustomScenario(scenario(test, List.of("miss", "remove"), List.of("sweep"), List.of("sweep")))
                .addCustomScenario(scenario(test, List.of("miss", "remove"), List.of("sweep", "miss"),
                        List.of("miss", "remove", "sweep")));
    }

    /** A scenario on megaflow 0: {@code initial} first, then each further list on its own thread. */
    @SafeVarargs
    private static ExecutionScenario scenario(final Class<?> test, final List<String> initial,
                                              final List<String>... threads) {
        final DSLScenarioBuilder b = new DSLScenarioBuilder();
        b.initial(t -> add(test, t, initial));
        b.parallel(p -> {
            for (List<String> ops : threads) {
                p.thread(t -> add(test, t, ops));
            }
            return Unit.INSTANCE;
        });
        return b.buildScenario();
    }

    private static Unit add(final Class<?> test, final DSLThreadScenario t, final List<String> ops) {
        for (String op : ops) {
            try {
                t.add(new Actor(test.getMethod(op, int.class), List.of(0), false, false, false, false, false));
            } catch (NoSuchMethodException e) {
                throw new AssertionError(e);
            }
        }
        return Unit.INSTANCE;
    }

    @Test
    public void installRemoveReplaceAndSweepKeepTheLifecycleIntact() {
        // A generous invocation timeout (Kotlin-internal option): on a loaded machine an instrumented
        // invocation can run past Lincheck's 30 s default, which it would report as a hang.
        withRaces(new ModelCheckingOptions().iterations(30).invocationsPerIteration(300).threads(3).actorsPerThread(2)
                .invocationTimeout$lincheck(300_000), UkeyLifecycleLincheckTest.class)
                .check(UkeyLifecycleLincheckTest.class);
    }

    /** Finishes whatever state it finds, ignoring whether its own move won. */
    @Param(name = "k", gen = IntGen.class, conf = "0:1")
    public static class UnguardedSweeper extends UkeyLifecycleLincheckTest {
        @Override
        protected void finishRemoved(final Ukey u) {
            if (u.state() != UkeyState.DELETED) {
                u.transition(UkeyState.DELETED);
            }
            map.remove(u);
            finished(u);
        }

        // Lincheck reads annotations from the class itself, not its superclass.
        @Validate
        @Override
        public void everyUkeyIsLiveOrFinishedExactlyOnce() {
            super.everyUkeyIsLiveOrFinishedExactlyOnce();
        }
    }

    @Test
    public void theSameChecksCatchASweeperThatFinishesWithoutTheGuard() {
        assertThrows(Throwable.class, () -> withRaces(new ModelCheckingOptions().iterations(0)
                .invocationsPerIteration(500), UnguardedSweeper.class).check(UnguardedSweeper.class));
    }
}
