package io.flowgate.fastpath.pmd;

import io.flowgate.fastpath.action.DropReason;
import io.flowgate.fastpath.dpcls.Dpcls;
import io.flowgate.fastpath.emc.Emc;
import io.flowgate.fastpath.flow.FlowHash;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.megaflow.DpFlow;
import io.flowgate.fastpath.packet.Memory;
import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.RepeatedHeaders;
import io.flowgate.fastpath.port.RxQueue;
import io.flowgate.fastpath.smc.Smc;
import io.flowgate.fastpath.upcall.UpcallRing;
import io.flowgate.fastpath.upcall.UpcallRings;

import java.util.concurrent.Executor;

import org.agrona.collections.Int2ObjectHashMap;

/**
 * The PMD's input stage, a batch at a time: parse every packet into its flow key and hash, look
 * the batch up in the EMC, its misses in the signature match cache (SMC), what is left in the
 * input port's megaflow classifier (dpcls), and send what is still missing to a handler (an
 * upcall), or park it behind an upcall in flight ({@link Parking}). What it found is left in
 * {@link #flows} for {@link FlowBatches}.
 *
 * <p>Owns the PMD's EMC, SMC and classifiers (one per input port); PMD thread only. No allocation,
 * lock or atomic read-modify-write per packet.
 *
 * <p>One file above 400 lines on purpose: the lookups share the batch's rows, hashes and hit
 * masks, which the per-packet loops keep in locals; spread over classes, the same loops would go
 * through more call sites and fields, which the JIT inlines only up to its budget.
 */
final class InputStage {
    private static final int W = FlowKey.WORDS;
    private static final int N = PacketBatch.MAX_BURST;
    /** Up to this many flows under one mask, the classifier is looked up before (instead of) the caches. */
    static final int DIRECT_FLOWS = 1024;

    private final int pmdId;
    private final Emc emc;
    private final Smc smc;
    private final Int2ObjectHashMap<Dpcls> classifiers = new Int2ObjectHashMap<>();
    private final FlowExtractor extractor;
    private final UpcallRings handlers;
    private final Parking parking;
    private final PmdStats stats;
    private final TxQueues tx;
    final long[] keys = new long[N * W];
    /**
     * Per packet, where its flow key starts in {@link #keys}: its own row, or the row of the
     * earlier packet whose headers it repeats (the keys are equal, so the row is not copied).
     */
    final int[] keyAt = new int[N];
    final long[] hashes = new long[N];
    final DpFlow[] flows = new DpFlow[N];
    /** Per packet, the earlier packet of the batch whose parse it took (its headers repeat), or -1. */
    private final int[] repeats = new int[N];
    /** The batch being looked up is one of parked packets sent through again ({@link #unpark}). */
    private boolean rerun;
    /**
     * The batch was parsed for a direct classifier lookup, which needs no packet hash: hashes
     * are 1 (valid) until a packet needs its own (a miss, or one that may wait behind an upcall).
     */
    private boolean unhashed;
    /** Whether batches are looked up in the EMC ({@link EmcChoice}); it is filled either way. */
    private boolean emcProbe = true;

    InputStage(final int pmdId, final Emc emc, final Smc smc, final FlowExtractor extractor, final UpcallRings handlers,
               final Parking parking, final PmdStats stats, final TxQueues tx) {
        this.pmdId = pmdId;
        this.emc = emc;
        this.smc = smc;
        this.extractor = extractor;
        this.handlers = handlers;
        this.parking = parking;
        this.stats = stats;
        this.tx = tx;
    }

    Emc emc() {
        return emc;
    }

    Smc smc() {
        return smc;
    }

    void emcProbe(final boolean probe) {
        emcProbe = probe;
    }

    /**
     * Parses packets {@code [0, n)}: keys, hashes (the NIC's RSS hash when it gave one) and header
     * offsets. A packet that cannot be forwarded gets hash 0. A packet whose headers repeat those
     * of the last one parsed in full ({@link RepeatedHeaders}) takes its parse: its key row,
     * offsets and hash.
     * {@code forLookup}: {@link #lookup} comes next, so a port looked up directly in its
     * classifier gets its hashes only where it needs them.
     *
     * @return the batch's bytes
     */
    long parse(final PacketBatch b, final boolean forLookup) {
        final int n = b.count();
        final int inPort = b.inPort();
        final long[] k = keys;
        final int[] at = keyAt;
        final int[] rep = repeats;
        final long[] h = hashes;
        final FlowExtractor x = extractor;
        final boolean rss = b.anyRssHash();
        final boolean lazy = forLookup && !rss && direct(classifiers.get(inPort));
        unhashed = lazy;
        long bytes = 0;
        boolean tries = true;
        int i = 0;
        while (i < n) {
            // Packets up to the first whose headers the next ones may repeat (while this batch
            // tries): no call in this loop, so what it reads of the batch's arrays is read once,
            // not after every packet (the calls below, inside it, made the JIT read them again).
            int layout = RepeatedHeaders.NONE;
            int last = -1;
            while (i < n) {
                final int length = b.length(i);
                final long address = b.address(i);
                bytes += length;
                rep[i] = -1;
                final int o = i * W;
                at[i] = o;
                final long offsets = x.extract(Memory.ALL, address, length, inPort, k, o);
                last = i++;
                if (offsets == FlowExtractor.DROP) {
                    h[last] = 0;
                    b.headerOffsets(last, FlowExtractor.NO_OFFSET, FlowExtractor.NO_OFFSET);
                    continue;
                }
                b.headerOffsets(last, FlowExtractor.l3Offset(offsets), FlowExtractor.l4Offset(offsets));
                h[last] = lazy ? 1 : rss && b.hasRssHash(last) ? FlowHash.fromRss(b.rssHash(last)) : FlowHash.hashKey(k, o) | 1;
                if (tries) {
                    layout = RepeatedHeaders.layout(offsets, k, o);
                    if (layout != RepeatedHeaders.NONE) {
                        break;
                    }
                }
            }
            if (layout != RepeatedHeaders.NONE) {
                // The packets after it that repeat its headers take its parse. The first that does
                // not ends the tries in this batch (the compare would cost every packet).
                final long address = b.address(last);
                final int end = RepeatedHeaders.train(layout, address, RepeatedHeaders.minLength(address), b, i, n);
                bytes += takeParses(b, last, i, end, rss);
                i = end;
                tries = false;
            }
        }
        return bytes;
    }

    /**
     * One mask over few flows, or a classifier that walks its megaflow tree: it is looked up
     * before (instead of) the caches.
     */
    private static boolean direct(final Dpcls cls) {
        return cls != null && (cls.walksTree() || cls.subtableCount() == 1 && cls.flowCount() <= DIRECT_FLOWS);
    }

    /** Packets in {@code bits} (parsed without hashes) get theirs; invalid ones (0) keep 0. */
    private void hash(final int bits) {
        int m = bits;
        while (m != 0) {
            final int i = Integer.numberOfTrailingZeros(m);
            m &= m - 1;
            if (hashes[i] != 0) {
                hashes[i] = FlowHash.hashKey(keys, keyAt[i]) | 1;
            }
        }
    }

    /**
     * Packets {@code [from, end)} take the parse of packet {@code last}, whose headers they repeat.
     * This loop and {@link RepeatedHeaders#train} are compiled apart from {@link #parse} (the
     * launcher's JVM arguments keep them out of line; they run once a batch): inlined there, after
     * the parser, they came past the JIT's budget of nodes per method in some runs, and their
     * per-packet reads and stores stayed calls (a third of a single-flow packet's time).
     *
     * @return their bytes
     */
    private long takeParses(final PacketBatch b, final int last, final int from, final int end, final boolean rss) {
        long bytes = 0;
        for (int i = from; i < end; i++) {
            bytes += b.length(i);
            takeParse(b, last, i, rss);
            repeats[i] = last;
        }
        return bytes;
    }

    /**
     * Packet {@code i} takes the parse of packet {@code last}, whose headers it repeats: its key
     * row (not a copy: the copy, a call into the JIT's array-copy stub per packet, was a tenth of
     * a single-flow packet's time), offsets and hash.
     */
    private void takeParse(final PacketBatch b, final int last, final int i, final boolean rss) {
        keyAt[i] = last * W;
        b.headerOffsets(i, b.l3Offset(last), b.l4Offset(last));
        hashes[i] = rss && b.hasRssHash(i) ? FlowHash.fromRss(b.rssHash(i)) : hashes[last];
    }

    /**
     * Looks the parsed batch up: hits go to {@link #flows}; misses go up or are parked, packets
     * behind an upcall in flight are parked, invalid ones dropped.
     */
    void lookup(final PacketBatch b, final RxQueue q) {
        final int n = b.count();
        final long[] k = keys;
        final long[] c = stats.counts;
        final Parking park = parking;
        final DpFlow[] fl = flows;
        final boolean again = rerun;
        // Nothing in flight or parked (the usual case): no packet can have to wait, no need to look.
        final boolean waiting = park.upcalls() != 0 || park.parked() != 0;
        final int inPort = b.inPort();
        final Dpcls own = classifiers.get(inPort);
        // One mask over few flows, or a megaflow tree: the classifier's probe stays in cache, no
        // dearer than the EMC's or the SMC's probe into tables of their own; go there directly.
        final boolean direct = direct(own);
        if (unhashed && (waiting || !direct)) {
            hash(n == Integer.SIZE ? -1 : (1 << n) - 1);
            unhashed = false;
        }
        final boolean emcOn = emc.enabled();
        final boolean probe = emcProbe && emcOn;
        int pending = 0;
        int copies = 0; // packets that take the answer of an earlier one whose headers they repeat
        int unparked = 0; // packets that found parking full: handled as if nothing were in flight
        int emcHits = 0;
        int emcSkipped = 0;
        for (int i = 0; i < n; i++) {
            final long h = hashes[i];
            if (h == 0) {
                fl[i] = null;
                tx.drop(b, i, DropReason.RX_INVALID);
                continue;
            }
            // A packet parked before is the oldest of its key: only an upcall of its key holds it.
            if (waiting && (again ? park.upcalling(h) : park.busy(h))) {
                if (hold(b, i, q, false, 0)) {
                    fl[i] = null;
                    continue;
                }
                unparked |= 1 << i;
            }
            final int same = repeats[i];
            if (direct) {
                // Its flow is written below, found or not (no store of null first: each store of a
                // reference into flows costs a GC barrier).
                if (same >= 0) {
                    copies |= 1 << i;
                } else {
                    pending |= 1 << i;
                }
                continue;
            }
            // Same key as an earlier hit of the batch: the same answer, without the probe.
            DpFlow f = same >= 0 ? fl[same] : null;
            if (f == null) {
                if (probe) {
                    f = emc.lookup(k, keyAt[i], h);
                } else if (emcOn) {
                    emcSkipped++;
                }
            }
            fl[i] = f;
            if (f == null) {
                pending |= 1 << i;
            } else {
                emcHits++;
            }
        }
        c[PmdCounter.EMC_HITS.ordinal()] += emcHits;
        if (!again) {
            c[PmdCounter.EMC_SKIPPED.ordinal()] += emcSkipped;
        }
        if (direct) {
            final int missed = pending & ~classify(own, pending, false);
            forget(missed); // before the copies read them
            pending = missed | copy(copies, own.treeComplete());
        } else {
            if (pending != 0 && smc.enabled()) {
                pending &= ~smcLookup(pending);
            }
            pending &= ~classify(own, pending, true);
        }
        if (unhashed) {
            hash(pending);
            unhashed = false;
        }
        // In arrival order: a miss goes up unless an upcall in flight may set up its megaflow
        // (then it waits for its answer); those of its own key wait in order.
        while (pending != 0) {
            final int i = Integer.numberOfTrailingZeros(pending);
            pending &= pending - 1;
            final long share = share(inPort, own, i);
            if ((unparked & (1 << i)) != 0) {
                upcall(b, i, q, share);
            } else if (park.upcalling(hashes[i])) {
                if (!hold(b, i, q, false, 0)) {
                    upcall(b, i, q, share);
                }
            } else if (!park.sharing(share) || !hold(b, i, q, true, share)) {
                upcall(b, i, q, share);
            }
        }
    }

    /** The upcall of a packet of {@code q} (null if the queue has gone) with this hash was answered. */
    void answered(final long hash, final RxQueue q) {
        parking.answered(hash);
        if (q != null) {
            q.inFlight(-1);
        }
    }

    /**
     * Parks packet {@code i} behind the upcall in flight of its flow, or, {@code held}, behind
     * those that may set up its megaflow ({@code share}); counted as parked or held.
     *
     * @return false if parking is full (counted): the caller handles the packet as usual
     */
    private boolean hold(final PacketBatch b, final int i, final RxQueue q, final boolean held, final long share) {
        if (parking.park(b, i, hashes[i], q, held, share)) {
            q.inFlight(1);
            stats.counts[(held ? PmdCounter.HELD : PmdCounter.PARKED).ordinal()]++;
            return true;
        }
        stats.counts[PmdCounter.PARKING_FULL.ordinal()]++;
        return false;
    }

    /**
     * Looks the EMC misses in {@code pending} (a bit per packet) up in the signature match cache;
     * hits go to {@code flows} and, now and then, into the EMC. A flow's megaflow matches in_port, so a hit is of this port.
     *
     * @return the packets found
     */
    private int smcLookup(final int pending) {
        final long[] k = keys;
        final int found = smc.lookup(k, keyAt, hashes, pending, flows);
        int bits = found;
        while (bits != 0) {
            final int i = Integer.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            // As after a classifier hit: else a flow the SMC answers would never reach the EMC.
            emc.maybeInsert(k, keyAt[i], hashes[i], flows[i]);
        }
        stats.counts[PmdCounter.SMC_HITS.ordinal()] += Integer.bitCount(found);
        return found;
    }

    /**
     * Looks the cache misses in {@code pending} (a bit per packet) up in the input port's megaflow
     * classifier {@code cls} (null: the port has none yet); hits go to {@code flows} and, with
     * {@code fill}, into the signature match cache and, now and then, into the EMC.
     *
     * @return the packets found
     */
    private int classify(final Dpcls cls, final int pending, final boolean fill) {
        if (cls == null || pending == 0) {
            return 0;
        }
        final long[] c = stats.counts;
        final long before = cls.subtableLookups();
        final long treeBefore = cls.treeHits();
        final int found = cls.lookup(keys, keyAt, pending, flows);
        c[PmdCounter.SUBTABLE_LOOKUPS.ordinal()] += cls.subtableLookups() - before;
        c[PmdCounter.TREE_HITS.ordinal()] += cls.treeHits() - treeBefore;
        c[PmdCounter.MEGAFLOW_HITS.ordinal()] += Integer.bitCount(found);
        if (fill) {
            final boolean toSmc = smc.enabled();
            int bits = found;
            while (bits != 0) {
                final int i = Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                emc.maybeInsert(keys, keyAt[i], hashes[i], flows[i]);
                if (toSmc) {
                    smc.insert(hashes[i], flows[i]);
                }
            }
        }
        return found;
    }

    /** Packets in {@code bits} have no flow (the classifier left their entries as they were). */
    private void forget(final int bits) {
        final DpFlow[] fl = flows;
        for (int m = bits; m != 0; m &= m - 1) {
            fl[Integer.numberOfTrailingZeros(m)] = null;
        }
    }

    /**
     * Packets in {@code copies} take the flow found for the earlier packet whose headers they
     * repeat, counted as it was (a classifier hit; {@code tree}: found by the megaflow tree).
     *
     * @return those whose earlier packet found none: they miss as it did
     */
    private int copy(final int copies, final boolean tree) {
        final DpFlow[] fl = flows;
        int missed = 0;
        int bits = copies;
        while (bits != 0) {
            final int i = Integer.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            final DpFlow f = fl[repeats[i]];
            fl[i] = f;
            if (f == null) {
                missed |= 1 << i;
            }
        }
        final int hits = Integer.bitCount(copies & ~missed);
        stats.counts[PmdCounter.MEGAFLOW_HITS.ordinal()] += hits;
        if (tree) {
            stats.counts[PmdCounter.TREE_HITS.ordinal()] += hits;
        }
        return missed;
    }

    /**
     * Sends the parked packets whose upcall was answered through the datapath again, oldest first,
     * in batches {@code b} (cleared here) by input port and queue.
     *
     * @return the packets sent through again
     */
    int unpark(final PacketBatch b, final FlowBatches batches, final long nowMillis) {
        int work = 0;
        while (parking.ready()) {
            b.clear();
            final RxQueue q = parking.unpark(b);
            if (q == null) {
                break;
            }
            final int n = b.count();
            q.inFlight(-n);
            parse(b, false);
            rerun = true;
            lookup(b, q);
            rerun = false;
            batches.execute(b, n, nowMillis);
            q.port().release(b);
            parking.returnLent();
            work += n;
        }
        return work;
    }

    /** Counts packet {@code i} as dropped. */
    void statsDrop(final PacketBatch b, final int i, final DropReason reason) {
        tx.drop(b, i, reason);
    }

    /** The megaflow of packet {@code i}, from the caches or the classifier, or null (ordered replay). */
    DpFlow lookupOne(final int inPort, final int i) {
        final DpFlow f = emc.lookup(keys, keyAt[i], hashes[i]);
        if (f != null) {
            stats.counts[PmdCounter.EMC_HITS.ordinal()]++;
            return f;
        }
        if (smc.enabled() && smcLookup(1 << i) != 0) {
            return flows[i];
        }
        return classify(classifiers.get(inPort), 1 << i, true) != 0 ? flows[i] : null;
    }

    /** What packet {@code i}, a miss of port {@code inPort} (classifier {@code cls}, or null), shares with upcalls in flight. */
    private long share(final int inPort, final Dpcls cls, final int i) {
        return Parking.shareKey(inPort, cls == null ? 0 : cls.commonHash(keys, keyAt[i]));
    }

    /** Sends packet {@code i} to the handler its hash picks; true if it was queued, else it is dropped and counted. */
    boolean upcall(final PacketBatch b, final int i, final RxQueue q) {
        return upcall(b, i, q, share(b.inPort(), classifiers.get(b.inPort()), i));
    }

    private boolean upcall(final PacketBatch b, final int i, final RxQueue q, final long share) {
        final long hash = hashes[i];
        final UpcallRing ring = handlers.ring(hash);
        final long[] c = stats.counts;
        if (ring != null && ring.offer(pmdId, b.inPort(), q.id(), b.l3Offset(i), b.l4Offset(i), b.timestamp(i), hash,
                keys, keyAt[i], Memory.ALL, b.address(i), b.length(i))) {
            parking.upcalled(hash, share);
            q.inFlight(1);
            c[PmdCounter.MISSES.ordinal()]++;
            return true;
        }
        c[PmdCounter.LOST_UPCALLS.ordinal()]++;
        tx.drop(b, i, DropReason.UPCALL_LOST);
        return false;
    }

    // ---- the classifier's owner: installs and removes (PMD thread, from the mailbox) ----

    /** Installs a flow unless it is dead already or the same megaflow is installed and alive. */
    void install(final DpFlow flow) {
        if (flow.isDead()) {
            return; // removed before its install arrived: nothing to do
        }
        Dpcls cls = classifiers.get(flow.inPort());
        if (cls == null) {
            cls = new Dpcls();
            classifiers.put(flow.inPort(), cls);
        }
        final DpFlow existing = cls.find(flow.mask(), flow.match());
        if (existing == flow) {
            return;
        }
        if (existing != null) {
            if (!existing.isDead()) {
                stats.counts[PmdCounter.DUPLICATE_INSTALLS.ordinal()]++;
                return;
            }
            cls.remove(existing);
            smc.forgetFlow(existing);
        }
        cls.insert(flow);
        smc.numberFlow(flow);
        stats.counts[PmdCounter.FLOWS_INSTALLED.ordinal()]++;
    }

    void remove(final DpFlow flow) {
        final Dpcls cls = classifiers.get(flow.inPort());
        if (cls != null && cls.remove(flow)) {
            stats.counts[PmdCounter.FLOWS_REMOVED.ordinal()]++;
        }
        smc.forgetFlow(flow);
        // Batches run between commands, so no packet of this PMD touches the flow any more.
        flow.markRemoved();
    }

    int flowCount() {
        int n = 0;
        for (Dpcls cls : classifiers.values()) {
            n += cls.flowCount();
        }
        return n;
    }

    int maskCount() {
        int n = 0;
        for (Dpcls cls : classifiers.values()) {
            n += cls.subtableCount();
        }
        return n;
    }

    /** Ranks every classifier's subtables; megaflow trees are built by {@code builds}. */
    void rank(final Executor builds) {
        for (Dpcls cls : classifiers.values()) {
            cls.rank(builds);
        }
    }
}
