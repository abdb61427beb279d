package io.flowgate.slowpath.lb;

/**
 * Picks the backend of a new connection, as IPVS schedulers do. One instance per select group
 * keeps that group's position; calls are made under the group's lock. Backends that are
 * overloaded or have weight 0 are never picked; null means none is usable.
 */
public abstract sealed class Scheduler {
    /** True if {@code selection_method} keeps connections (a scheduler, or Maglev's table: see {@link SelectGroup}). */
    public static boolean supports(final String method) {
        return switch (method) {
            case "hprio", "rr", "wrr", "maglev" -> true;
            default -> false;
        };
    }

    /** The scheduler of a group's {@code selection_method}, or null ({@code hash}, and {@code maglev}, which looks up a table). */
    public static Scheduler forMethod(final String method) {
        return switch (method) {
            case "hprio" -> new HighestPriority();
            case "rr" -> new RoundRobin();
            case "wrr" -> new WeightedRoundRobin();
            default -> null;
        };
    }

    abstract Backend pick(Backend[] backends);

    /** Where a rotating scheduler picked last. */
    private int last = -1;

    /** The first usable backend of this weight (any weight if {@code weight} is 0) after the last pick. */
    final Backend nextAfterLast(final Backend[] backends, final int weight) {
        final int n = backends.length;
        for (int step = 1; step <= n; step++) {
            final int i = (last + step) % n;
            final Backend b = backends[i];
            if (b.usable() && (weight == 0 || b.weight() == weight)) {
                last = i;
                return b;
            }
        }
        return null;
    }

    /** Round-robin over the usable backends. */
    static final class RoundRobin extends Scheduler {
        @Override
        Backend pick(final Backend[] backends) {
            return nextAfterLast(backends, 0);
        }
    }

    /**
     * {@code hprio}: the highest weight among usable backends, round-robin among backends of that
     * weight. A lower-weight pool takes over as soon as every backend of the top pool is
     * overloaded, and hands back as soon as one of them is usable again.
     */
    static final class HighestPriority extends Scheduler {
        @Override
        Backend pick(final Backend[] backends) {
            int top = 0;
            for (Backend b : backends) {
                if (b.usable() && b.weight() > top) {
                    top = b.weight();
                }
            }
            return top == 0 ? null : nextAfterLast(backends, top);
        }
    }

    /**
     * Weighted round-robin as IPVS's {@code wrr}: a current weight steps down by the weights'
     * greatest common divisor each time the index wraps, and a backend is picked while its weight
     * is at least the current weight, so over a cycle each gets turns in proportion to its weight.
     */
    static final class WeightedRoundRobin extends Scheduler {
        private int index = -1;
        private int current;

        @Override
        Backend pick(final Backend[] backends) {
            final int n = backends.length;
            int max = 0;
            int gcd = 0;
            for (Backend b : backends) {
                if (b.weight() > 0) {
                    max = Math.max(max, b.weight());
                    gcd = gcd(gcd, b.weight());
                }
            }
            if (max == 0) {
                return null;
            }
            // One full cycle visits every (index, current weight) pair once.
            final long bound = (long) n * (max / gcd + 1);
            for (long step = 0; step < bound; step++) {
                index = (index + 1) % n;
                if (index == 0) {
                    current -= gcd;
                    if (current <= 0) {
                        current = max;
                    }
                }
                final Backend b = backends[index];
                if (b.usable() && b.weight() >= current) {
                    return b;
                }
            }
            return null;
        }

        private static int gcd(final int a, final int b) {
            return b == 0 ? a : gcd(b, a % b);
        }
    }
}
