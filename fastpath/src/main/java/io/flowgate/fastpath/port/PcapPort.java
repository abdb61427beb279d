package io.flowgate.fastpath.port;

import io.flowgate.fastpath.packet.PacketBatch;
import io.flowgate.fastpath.pcap.PacketReader;
import io.flowgate.fastpath.pcap.PcapFormatException;
import io.flowgate.fastpath.pcap.PcapFile;
import io.flowgate.fastpath.pcap.PcapWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * {@code pcap:in=FILE[,out=FILE][,loop=N][,pps=N]}: replays a capture as received traffic (once,
 * N times with {@code loop=N}, or until stopped with {@code loop=true}; at most {@code pps}
 * packets a second if asked: a paced source for sustained traffic) and writes what is transmitted
 * to another capture (with the time of the packet that caused it). Without {@code in=}, nothing is
 * received; without {@code out=}, transmitted packets are counted and discarded.
 *
 * <p>One receive queue. Each transmit queue (PMD) writes records through its own buffered
 * {@link PcapWriter}, made when the queue is first asked for; at the end of a batch it appends its
 * buffer to the file at a reserved position, so PMDs never wait for each other. With one PMD the
 * file keeps transmit order exactly.
 *
 * <p>The output of a pcap port replaces its file only when the port closes: until then the file
 * keeps its old contents ({@link PcapFile#replacing}), so a run that fails to start, a crash or an
 * output that could not be written (a full disk) leaves it as it was. A dummy port's tx_pcap is
 * written as packets go instead, for readers that follow it while the daemon runs.
 */
public final class PcapPort implements Port {
    private final int number;
    private final String name;
    private final String spec;
    private final Path inPath;
    private PacketReader reader;
    /** Passes over the input still to start after the current one. */
    private long loopsLeft;
    /** Packets a paced source holds for an absent PMD: OVS's default n_rxq_desc. */
    private static final long RX_RING = 2048;
    private final long pps;
    private long paceStart;
    private long paced;
    private final PcapFile outFile;
    private final PcapTxQueue[] txQueues;
    private final ReplayClock clock;
    private final int clockIndex;
    private boolean pending;
    private boolean exhausted;
    private long received;
    private volatile IOException failure;
    /** Writing the output failed: it is not worth publishing. */
    private volatile boolean outputFailed;

    /**
     * A port whose output is written as packets go (a dummy port's tx_pcap).
     *
     * @param txQueues how many PMDs may send to this port
     */
    public PcapPort(final int number, final Path in, final Path out, final ReplayClock clock, final int txQueues)
            throws PortException {
        this(number, in, out, clock, txQueues, 1, 0, null, false);
    }

    /**
     * A port whose output replaces its file when the port closes.
     *
     * @param passes how many times to replay the input ({@link #FOREVER}: until stopped; more than
     *               one is a soak-test source, not for a replay clock)
     * @param pps    deliver at most this many packets per second (0: as fast as the PMD takes them)
     */
    public PcapPort(final int number, final Path in, final Path out, final ReplayClock clock, final int txQueues,
                    final long passes, final long pps) throws PortException {
        this(number, in, out, clock, txQueues, passes, pps, null);
    }

    /** @param name the port's name ({@code name=}), or null for {@code pcapN} */
    public PcapPort(final int number, final Path in, final Path out, final ReplayClock clock, final int txQueues,
                    final long passes, final long pps, final String name) throws PortException {
        this(number, in, out, clock, txQueues, passes, pps, name, true);
    }

    private PcapPort(final int number, final Path in, final Path out, final ReplayClock clock, final int txQueues,
                     final long passes, final long pps, final String name, final boolean replaceAtClose)
            throws PortException {
        this.number = number;
        this.name = name == null ? "pcap" + number : name;
        this.inPath = in;
        if (passes < 1) {
            throw new PortException("port " + number + ": loop must be at least 1, not " + passes);
        }
        this.loopsLeft = in == null ? 0 : passes - 1;
        this.pps = pps;
        if (loopsLeft > 0 && clock != null) {
            throw new PortException("port " + number + ": a looping input cannot be replayed in order");
        }
        this.spec = "pcap:" + (in != null ? "in=" + in : "") + (in != null && out != null ? "," : "")
                + (out != null ? "out=" + out : "")
                + (passes == FOREVER ? ",loop=true" : passes > 1 ? ",loop=" + passes : "")
                + (pps > 0 ? ",pps=" + pps : "");
        try {
            this.reader = in == null ? null : PacketReader.open(in);
        } catch (IOException e) {
            throw new PortException("port " + number + ": cannot read " + in + ": " + describe(e), e);
        }
        try {
            this.outFile = out == null ? null : replaceAtClose ? PcapFile.replacing(out) : PcapFile.create(out);
        } catch (IOException e) {
            closeReader();
            throw new PortException("port " + number + ": cannot write " + out + ": " + describe(e), e);
        }
        this.txQueues = new PcapTxQueue[txQueues];
        this.exhausted = reader == null;
        this.clock = reader == null ? null : clock;
        this.clockIndex = this.clock == null ? -1 : this.clock.register();
        if (this.clock != null) {
            advance();
        }
    }

    /** {@code loop=true}: replay the input until the port is closed. */
    public static final long FOREVER = Long.MAX_VALUE;

    private static String describe(final IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage();
    }

    @Override
    public int number() {
        return number;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public String type() {
        return "pcap";
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean waitsUnpolled() {
        return true;
    }

    @Override
    public boolean receives() {
        return reader != null;
    }

    @Override
    public boolean exhausted() {
        return exhausted;
    }

    /** Packets delivered so far. */
    public long received() {
        return received;
    }

    /** Bytes of the input file (for progress displays), or 0. */
    public long inputSize() {
        try {
            return inPath == null ? 0 : java.nio.file.Files.size(inPath);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Byte offset reached in the input file (for progress displays). */
    public long inputPosition() {
        return reader == null ? 0 : Math.max(0, reader.recordOffset());
    }

    /** The damage that ended the input early, if any (packets before it were delivered). */
    public IOException failure() {
        return failure;
    }

    /** Moves to the next record, so its timestamp is known; false at the end. */
    private boolean advance() {
        try {
            pending = reader.next();
            if (!pending && loopsLeft > 0 && received > 0) {
                // Start over; a file without a single packet would spin, so it ends instead.
                if (loopsLeft != FOREVER) {
                    loopsLeft--;
                }
                reader.close();
                reader = PacketReader.open(inPath);
                pending = reader.next();
            }
        } catch (PcapFormatException e) {
            failure = e;
            pending = false;
        } catch (IOException e) {
            failure = e;
            pending = false;
        }
        if (!pending) {
            exhausted = true;
        }
        if (clock != null) {
            clock.head(clockIndex, pending ? reader.timestampNanos() : Long.MAX_VALUE);
        }
        return pending;
    }

    @Override
    public int rxBurst(final int queue, final PacketBatch batch) {
        if (exhausted) {
            return 0;
        }
        batch.inPort(number);
        int n = 0;
        if (!pending && !advance()) {
            return 0;
        }
        int budget = PacketBatch.MAX_BURST;
        if (pps > 0) {
            // A rate, as a NIC sees one: what arrived while the PMD was away (descheduled on a
            // busy machine) waits in the receive ring and is taken in bursts; only beyond a ring's
            // worth does the source wait instead, as a sender under back pressure would.
            final long now = System.nanoTime();
            if (paced == 0) {
                paceStart = now;
            }
            final long due = (now - paceStart) * pps / 1_000_000_000L + 1 - paced;
            if (due > RX_RING) {
                paceStart = now - (paced - 1) * 1_000_000_000L / pps;
            }
            budget = (int) Math.max(0, Math.min(budget, due));
        }
        while (n < budget && pending) {
            if (clock != null && !clock.mayDeliver(clockIndex, reader.timestampNanos())) {
                break;
            }
            final int len = Math.min(reader.capturedLength(), batch.dataRoom());
            reader.copyTo(batch.slotSegment(n), PacketBatch.HEADROOM);
            batch.addOwned(len, reader.timestampNanos());
            n++;
            received++;
            advance();
        }
        paced += n;
        return n;
    }

    @Override
    public int txQueues() {
        return txQueues.length;
    }

    @Override
    public synchronized TxQueue txQueue(final int queue) {
        if (txQueues[queue] == null) {
            txQueues[queue] = new PcapTxQueue(outFile == null ? null : outFile.writer());
        }
        return txQueues[queue];
    }

    /** One PMD's buffered writer into the output file (or a sink when there is no file). */
    private final class PcapTxQueue implements TxQueue {
        private final PcapWriter writer;

        PcapTxQueue(final PcapWriter writer) {
            this.writer = writer;
        }

        @Override
        public boolean send(final MemorySegment memory, final long address, final int length,
                            final long timestampNanos) {
            if (writer == null) {
                return true;
            }
            try {
                writer.write(timestampNanos, memory, address, length, length);
                return true;
            } catch (IOException e) {
                failure = e;
                outputFailed = true;
                return false;
            }
        }

        @Override
        public int flush() {
            if (writer != null) {
                try {
                    writer.flush();
                } catch (IOException e) {
                    failure = e;
                    outputFailed = true;
                }
            }
            return 0;
        }
    }

    /**
     * Closes the input and writes out every queue's buffered packets (call once the PMDs stopped);
     * the output then replaces its file, unless writing it failed (the failure was reported and the
     * old file is kept).
     */
    @Override
    public void close() {
        closeReader();
        if (outFile != null) {
            if (outputFailed) {
                outFile.discard();
                return;
            }
            try {
                outFile.close();
            } catch (IOException e) {
                throw new UncheckedIOException("port " + number + ": cannot finish " + outFile.path(), e);
            }
        }
    }

    /** The datapath never ran: the output file is left as it was. */
    @Override
    public void discard() {
        closeReader();
        if (outFile != null) {
            outFile.discard();
        }
    }

    private void closeReader() {
        if (reader != null) {
            try {
                reader.close();
            } catch (IOException e) {
                failure = e;
            }
        }
    }
}
