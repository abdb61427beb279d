package io.flowgate.revalidator.estimator;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The estimators of one estimator thread, as IPVS's {@code ip_vs_est_kt_data} holds them: 50 tick
 * rows of 48 chains. The thread estimates one row per 40 ms tick, so every estimator once per 2 s
 * period; a chain holds at most {@code chainMax} estimators (what calibration says fits in about
 * 95 µs), so a row costs at most 48 chains' worth, an eighth of its tick.
 *
 * <p>Placement: a new estimator goes to the row just estimated (the one before {@link #addRow},
 * which the thread moves after each tick), so its first estimation covers a whole period; first
 * chain with room. Estimators added together fill
 * that row up to one chain's worth above the emptiest row and then go on to the next row below
 * that level, so a burst of thousands spreads over the ticks instead of piling into one, and the
 * rows' lengths stay within one chain of each other.
 *
 * <p>Structure changes are made under this object's lock by any thread; each chain is an array
 * replaced whole (copy on write) and published with a release store, so the estimating thread
 * reads chains without locking. An estimator removed while its chain is being estimated may be
 * estimated that once more, which is harmless; an estimator moved to a row later in the same
 * period is not estimated again in that period.
 */
final class Chains {
    static final int TICKS = 50;
    static final int CHAINS_PER_TICK = 48;
    private static final VarHandle CHAIN = MethodHandles.arrayElementVarHandle(Estimator[][].class);
    private static final Estimator[] EMPTY = new Estimator[0];

    final int id;
    final int chainMax;
    final int tickMax;
    final int maxCount;
    private final Estimator[][][] rows = new Estimator[TICKS][CHAINS_PER_TICK][];
    private final int[] tickLen = new int[TICKS];
    private int count;
    /** The row after the one just estimated (thread writes); new estimators go to the one before it. */
    private volatile int addRow;
    /**
     * The row the next tick estimates and the period it belongs to: written by this chain's
     * thread, handed over to the next one (started after the last one stopped) through volatile.
     */
    private volatile int estRow;
    private volatile long period;
    /** The row the current burst of additions fills, and the add row it started from. */
    private int burstRow = -1;
    private int burstFrom = -1;

    Chains(final int id, final int chainMax) {
        this.id = id;
        this.chainMax = Math.max(1, chainMax);
        this.tickMax = CHAINS_PER_TICK * this.chainMax;
        this.maxCount = TICKS * tickMax;
        for (Estimator[][] row : rows) {
            Arrays.fill(row, EMPTY);
        }
    }

    /** Places {@code e}; false if this thread is full (unless {@code force}: then it is overfilled). */
    synchronized boolean add(final Estimator e, final boolean force) {
        if (count >= maxCount && !force) {
            return false;
        }
        // The row just estimated (IPVS's add_row - 1): a new estimator's first estimation comes a
        // whole period after it started counting, so the first growth is a full 2 s of it.
        final int from = (addRow + TICKS - 1) % TICKS;
        if (from != burstFrom) {
            // The thread has moved on since the last addition: start again after the row just estimated.
            burstFrom = from;
            burstRow = -1;
        }
        // A row takes estimators up to one chain's worth above the emptiest row (and its maximum):
        // a burst fills rows chain by chain in tick order, and rows never differ by more than a chain.
        int least = Integer.MAX_VALUE;
        for (int n : tickLen) {
            least = Math.min(least, n);
        }
        final int level = Math.min(tickMax, least + chainMax);
        if (burstRow < 0 || tickLen[burstRow] >= level) {
            burstRow = nextRowBelow(burstRow < 0 ? from : (burstRow + 1) % TICKS, level);
        }
        final int row = burstRow;
        final Estimator[][] chains = rows[row];
        int c = 0;
        int shortest = 0;
        while (c < CHAINS_PER_TICK && chains[c].length >= chainMax) {
            if (chains[c].length < chains[shortest].length) {
                shortest = c;
            }
            c++;
        }
        if (c == CHAINS_PER_TICK) {
            c = shortest; // forced into a full row
        }
        final Estimator[] old = chains[c];
        final Estimator[] grown = Arrays.copyOf(old, old.length + 1);
        grown[old.length] = e;
        e.chains = this;
        e.row = row;
        e.chain = c;
        CHAIN.setRelease(chains, c, grown);
        tickLen[row]++;
        count++;
        return true;
    }

    private int nextRowBelow(final int from, final int level) {
        for (int i = 0; i < TICKS; i++) {
            final int r = (from + i) % TICKS;
            if (tickLen[r] < level) {
                return r;
            }
        }
        // Every row full (only when forced): the least filled.
        int best = 0;
        for (int r = 1; r < TICKS; r++) {
            if (tickLen[r] < tickLen[best]) {
                best = r;
            }
        }
        return best;
    }

    /** Unlinks {@code e}; false if it is not here. */
    synchronized boolean remove(final Estimator e) {
        if (e.chains != this || e.row < 0) {
            return false;
        }
        final Estimator[][] chains = rows[e.row];
        final Estimator[] old = chains[e.chain];
        final Estimator[] shrunk = new Estimator[old.length - 1];
        int w = 0;
        for (Estimator x : old) {
            if (x != e) {
                shrunk[w++] = x;
            }
        }
        CHAIN.setRelease(chains, e.chain, shrunk);
        tickLen[e.row]--;
        count--;
        e.row = -1;
        e.chain = -1;
        e.chains = null;
        return true;
    }

    /**
     * Estimates every estimator of the next row (its thread, once per tick) and moves on. An
     * estimator already estimated in this period (moved here from an earlier row) is skipped.
     *
     * @return how many were estimated
     */
    int estimateNextRow(final long[] scratch) {
        final int n = estimateRow(estRow, scratch, period);
        skipNextRow();
        return n;
    }

    /** Estimates row {@code row} as in {@code period} (calibration times this). */
    int estimateRow(final int row, final long[] scratch, final long p) {
        final Estimator[][] chains = rows[row];
        int n = 0;
        for (int c = 0; c < CHAINS_PER_TICK; c++) {
            final Estimator[] chain = (Estimator[]) CHAIN.getAcquire(chains, c);
            for (Estimator e : chain) {
                if (e.lastPeriod() != p) {
                    e.estimate(scratch, p);
                    n++;
                }
            }
        }
        return n;
    }

    /** Moves on to the next row without estimating (estimation switched off). */
    void skipNextRow() {
        int row = estRow + 1;
        if (row == TICKS) {
            row = 0;
            period = period + 1;
        }
        estRow = row;
        addRow = row; // new estimators go into the row just estimated
    }

    /** The period the next tick belongs to (the estimating thread's count of 2 s periods). */
    long period() {
        return period;
    }

    /** The row the next tick estimates. */
    int nextRow() {
        return estRow;
    }

    /** Every estimator here. */
    synchronized java.util.List<Estimator> all() {
        final java.util.List<Estimator> list = new java.util.ArrayList<>(count);
        for (Estimator[][] row : rows) {
            for (Estimator[] chain : row) {
                list.addAll(java.util.Arrays.asList(chain));
            }
        }
        return list;
    }

    synchronized int count() {
        return count;
    }

    /** Estimators per tick row. */
    synchronized int[] tickLengths() {
        return tickLen.clone();
    }

    boolean full() {
        return count() >= maxCount;
    }
}
