package io.flowgate.daemon.openflow;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.function.Consumer;

import org.projectfloodlight.openflow.exceptions.OFParseError;
import org.projectfloodlight.openflow.protocol.OFBarrierRequest;
import org.projectfloodlight.openflow.protocol.OFControllerRole;
import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFFlowMod;
import org.projectfloodlight.openflow.protocol.OFMessage;

/**
 * One OpenFlow connection: the framing (an 8-byte header with the message's length), the HELLO
 * exchange that settles the version, then requests handed to the {@link OfSwitch} one at a time,
 * in order, so that a BARRIER's reply follows everything sent before it. Messages the codec
 * cannot read get the OpenFlow error OVS gives; a header that lies about its length, or a peer
 * whose versions have nothing in common with ours, ends the connection, as in OVS.
 */
final class OfConnection implements Runnable {
    private static final System.Logger LOG = System.getLogger("openflow");
    static final int HEADER = 8;
    static final int TYPE_HELLO = 0;
    static final int TYPE_ERROR = 1;
    /** The versions spoken, as OpenFlow's wire version numbers: OpenFlow 1.3 (0x04). */
    static final int MIN_VERSION = 0x04;
    static final int MAX_VERSION = 0x04;

    /** Messages queued for sending at most (a peer that reads nothing fills it). */
    static final int OUTBOX = 4096;
    /** OVS's inactivity probe for controllers: an echo request after this long without a message. */
    static final long PROBE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    /** The xid of our keep-alive echo requests. */
    private static final long PROBE_XID = 0x7072_6f62L;

    private final SocketChannel ch;
    private final String name;
    /** Probes a quiet peer (connections to controllers); passive connections are not probed, as in OVS. */
    private final boolean probed;
    private volatile long lastReceivedNanos = System.nanoTime();
    private volatile boolean probing;
    private final OfSwitch sw;
    private final Consumer<OfConnection> onClose;
    /** Told when this connection's taking of asynchronous messages may have changed (so packet-ins find it at once). */
    private final Runnable asyncChanged;
    /** Messages waiting for the writer: replies wait for room, asynchronous messages are dropped without it. */
    private final ArrayBlockingQueue<byte[]> outbox = new ArrayBlockingQueue<>(OUTBOX);
    private volatile Thread writer;
    private final long openedNanos = System.nanoTime();
    /** Bytes received and not yet framed: room for two messages of the largest size. */
    private final ByteBuffer in = ByteBuffer.allocate(2 << 16);
    private volatile OFFactory factory;
    private volatile OFControllerRole role = OFControllerRole.ROLE_EQUAL;
    /**
     * The miss_send_len set by SET_CONFIG; until then OpenFlow's 128 for a connection to a
     * controller and 0 for one made to the switch (OVS's service connections, such as ovs-ofctl's,
     * get no asynchronous messages unless they ask by setting it).
     */
    private volatile int missSendLen;
    private volatile boolean closed;
    /** The packet-in rate limits (OVS keeps one for table misses, one for the rest), or null for none. */
    private final PacketInScheduler missLimit;
    private final PacketInScheduler actionLimit;

    OfConnection(final SocketChannel ch, final String name, final OfSwitch sw, final Consumer<OfConnection> onClose,
                 final Runnable asyncChanged, final boolean probed, final PacketInLimit limit) {
        this.ch = ch;
        this.missLimit = limit.scheduler(System::nanoTime);
        this.actionLimit = limit.scheduler(System::nanoTime);
        this.name = name;
        this.probed = probed;
        this.missSendLen = probed ? 128 : 0;
        this.sw = sw;
        this.onClose = onClose;
        this.asyncChanged = asyncChanged;
    }

    /** The factory of the version agreed in the HELLO exchange. */
    OFFactory factory() {
        return factory;
    }

    /**
     * The keep-alive of a probed connection (called about once a second): quiet for
     * {@link #PROBE_NANOS}, it gets an echo request; quiet for as long again, it is closed.
     */
    void probe(final long nowNanos) {
        if (closed) {
            return;
        }
        if (factory == null) {
            if (nowNanos - openedNanos > 2 * PROBE_NANOS) {
                LOG.log(System.Logger.Level.WARNING, name + ": no HELLO within "
                        + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(2 * PROBE_NANOS) + " seconds, disconnecting");
                close();
            }
            return;
        }
        if (!probed) {
            return;
        }
        final long quiet = nowNanos - lastReceivedNanos;
        if (quiet > 2 * PROBE_NANOS) {
            LOG.log(System.Logger.Level.WARNING, name + ": no response to inactivity probe after "
                    + java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(quiet) + " seconds, disconnecting");
            close();
        } else if (quiet > PROBE_NANOS && !probing) {
            probing = true;
            sendAsync(factory.buildEchoRequest().setXid(PROBE_XID).setData(new byte[0]).build());
        }
    }

    /** True once the HELLO exchange settled a version. */
    boolean ready() {
        return factory != null && !closed;
    }

    /** Asynchronous message types, as OVS's OAM_* and OpenFlow's SET_ASYNC masks order them. */
    static final int PACKET_IN = 0;
    static final int PORT_STATUS = 1;
    static final int FLOW_REMOVED = 2;
    /** Reasons of each type this switch sends (OpenFlow 1.3's bits): packet-in no_match, action, invalid_ttl; all. */
    private static final int[] VALID_REASONS = {0b111, 0b111, 0b1111};

    /**
     * The asynchronous configuration (SET_ASYNC): per type, the reasons a master or equal
     * connection gets ([0..2]) and those a slave gets ([3..5]). OpenFlow 1.3's default, as OVS:
     * packet-ins for no_match and action, every port status, every flow removed; a slave only the
     * port status.
     */
    private volatile int[] async = {0b011, 0b111, 0b1111, 0, 0b111, 0};

    /**
     * True if an asynchronous message of this type and reason goes to this connection: ready, its
     * asynchronous configuration for its role takes it, and (as OVS's service connections) a
     * connection made to the switch only once it set a miss_send_len or an asynchronous
     * configuration.
     */
    boolean receivesAsync(final int type, final int reason) {
        return ready() && (probed || missSendLen != 0)
                && (async[type + (role == OFControllerRole.ROLE_SLAVE ? 3 : 0)] & (1 << reason)) != 0;
    }

    /** SET_ASYNC: masks for master/equal and for slave, per type; bits for reasons this switch does not send are ignored. */
    void asyncConfig(final long[] masterEqual, final long[] slave) {
        final int[] next = new int[6];
        for (int t = 0; t < 3; t++) {
            next[t] = (int) masterEqual[t] & VALID_REASONS[t];
            next[t + 3] = (int) slave[t] & VALID_REASONS[t];
        }
        async = next;
        if (!probed && missSendLen == 0) {
            missSendLen = 128; // as OVS: asking for asynchronous messages is asking for packet-ins too
        }
        asyncChanged.run();
    }

    /** The asynchronous configuration: master/equal masks of the three types, then the slave's. */
    int[] asyncConfig() {
        return async.clone();
    }

    /** For openflow/show: where it came from or goes to, its role, how long it has been up, its rate limits' counters. */
    String describe(final long nowNanos) {
        final StringBuilder s = new StringBuilder(probed ? "controller " : "connection ").append(name).append(": ")
                .append(ready() ? "OpenFlow 1.3" : "HELLO not yet exchanged").append(", role ")
                .append(role.name().substring("ROLE_".length()).toLowerCase(java.util.Locale.ROOT)).append(", up ")
                .append(java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(nowNanos - openedNanos)).append(" s");
        if (missLimit != null) {
            for (boolean miss : new boolean[] {true, false}) {
                final PacketInScheduler l = packetInLimit(miss);
                final String k = miss ? "packet-in-miss-" : "packet-in-action-";
                s.append("\n  ").append(k).append("bypassed=").append(l.bypassed()).append(' ').append(k)
                        .append("queued=").append(l.queued()).append(' ').append(k).append("dropped=")
                        .append(l.dropped()).append(' ').append(k).append("backlog=").append(l.backlog());
            }
        }
        return s.toString();
    }

    /** The rate limit of packet-ins of this kind ({@code miss}: table misses), or null if none. */
    PacketInScheduler packetInLimit(final boolean miss) {
        return miss ? missLimit : actionLimit;
    }

    OFControllerRole role() {
        return role;
    }

    void role(final OFControllerRole r) {
        this.role = r;
        asyncChanged.run();
    }

    int missSendLen() {
        return missSendLen;
    }

    void missSendLen(final int len) {
        this.missSendLen = len;
        asyncChanged.run();
    }

    @Override
    public void run() {
        try {
            write(OfHello.ours());
            final List<byte[]> msgs = new ArrayList<>();
            readSome(msgs);
            if (!negotiate(msgs.getFirst())) {
                return;
            }
            msgs.removeFirst();
            writer = Thread.ofVirtual().name("ofp-write").start(this::drainOutbox);
            while (!closed) {
                process(msgs);
                msgs.clear();
                readSome(msgs);
            }
        } catch (EOFException e) {
            // The peer hung up.
        } catch (RuntimeException e) {
            // A bug answering some request: this connection ends, the switch goes on.
            LOG.log(System.Logger.Level.ERROR, name + ": closing the connection after an internal error", e);
        } catch (IOException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.INFO, name + ": connection dropped (" + e.getMessage() + ")");
            }
        } finally {
            close();
        }
    }

    /** A message as read: the codec's object, or the error that answers it instead. */
    private record Parsed(OFMessage message, OfError error, byte[] raw) {
        boolean batchable() {
            return message instanceof OFFlowMod || message instanceof OFBarrierRequest;
        }
    }

    /**
     * Handles messages in order. FLOW_MODs and BARRIERs that arrived together (ovs-ofctl add-flows
     * sends a FLOW_MOD and a BARRIER per rule, back to back) make one batch: its FLOW_MODs are one
     * published change instead of one each, and the replies (errors, barrier replies) still go out
     * in the order of the requests.
     */
    private void process(final List<byte[]> msgs) throws IOException {
        final List<Parsed> run = new ArrayList<>();
        for (byte[] msg : msgs) {
            final Parsed p = parse(msg);
            if (p.batchable()) {
                run.add(p);
                continue;
            }
            flush(run);
            if (p.error() != null) {
                LOG.log(System.Logger.Level.INFO, name + ": " + p.error().getMessage());
                send(p.error().toMessage(factory, xid(msg), msg));
            } else {
                sw.handle(this, p.message(), msg);
            }
        }
        flush(run);
    }

    private void flush(final List<Parsed> run) throws IOException {
        if (run.isEmpty()) {
            return;
        }
        final List<OfFlowTable.Received> mods = new ArrayList<>();
        for (Parsed p : run) {
            if (p.message() instanceof OFFlowMod fm) {
                mods.add(new OfFlowTable.Received(fm, p.raw()));
            }
        }
        final OfError[] errors = mods.isEmpty() ? new OfError[0] : sw.flowMods(this, mods);
        int i = 0;
        for (Parsed p : run) {
            if (p.message() instanceof OFFlowMod fm) {
                final OfError e = errors[i++];
                if (e != null) {
                    send(e.toMessage(factory, fm.getXid(), p.raw()));
                }
            } else {
                send(factory.buildBarrierReply().setXid(p.message().getXid()).build());
            }
        }
        run.clear();
    }

    private Parsed parse(final byte[] msg) {
        final int version = msg[0] & 0xFF;
        if (version != factory.getVersion().getWireVersion()) {
            return new Parsed(null, OfError.badRequest(OfError.BadRequest.BAD_VERSION, "version 0x"
                    + Integer.toHexString(version) + " after agreeing on 0x"
                    + Integer.toHexString(factory.getVersion().getWireVersion())), msg);
        }
        try {
            final OFMessage m = OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(
                    OfNiciraActions.forCodec(OfNicira.forCodec(msg))));
            return m != null ? new Parsed(m, null, msg) : new Parsed(null,
                    OfError.badRequest(OfError.BadRequest.BAD_LEN, "message shorter than its type's minimum"), msg);
        } catch (OFParseError | RuntimeException e) {
            return new Parsed(null, OfError.unreadable(msg[1] & 0xFF, e.getMessage()), msg);
        }
    }

    static long xid(final byte[] msg) {
        return ByteBuffer.wrap(msg, 4, 4).getInt() & 0xFFFF_FFFFL;
    }

    /** Our HELLO first (OfHello), then the peer's settles the version or ends the connection. */
    private boolean negotiate(final byte[] hello) throws IOException {
        final OFFactory agreed = OfHello.agree(hello);
        if (agreed != null) {
            factory = agreed;
            asyncChanged.run();
            return true;
        }
        final String why = OfHello.whyNot(hello);
        LOG.log(System.Logger.Level.INFO, name + ": version negotiation failed: " + why);
        write(OfHello.failed(hello, why));
        return false;
    }

    /**
     * Reads until at least one whole message is in, and returns every whole message received so
     * far. A length below the header's own ends the connection (the stream cannot be resynchronised).
     */
    private void readSome(final List<byte[]> out) throws IOException {
        while (true) {
            in.flip();
            while (in.remaining() >= HEADER) {
                final int length = in.getShort(in.position() + 2) & 0xFFFF;
                if (length < HEADER) {
                    throw new IOException("received a message whose length (" + length + ") is shorter than its header");
                }
                if (in.remaining() < length) {
                    break;
                }
                final byte[] msg = new byte[length];
                in.get(msg);
                out.add(msg);
            }
            in.compact();
            if (!out.isEmpty()) {
                return;
            }
            if (ch.read(in) < 0) {
                throw new EOFException();
            }
            lastReceivedNanos = System.nanoTime();
            probing = false;
        }
    }

    /**
     * Sends a reply (the connection's own thread): queued for the writer, waiting while the queue
     * is full, so a peer that does not read holds up only its own requests.
     */
    void send(final OFMessage m) throws IOException {
        send(encode(m));
    }

    /** Same, for a message already written. */
    void send(final byte[] bytes) throws IOException {
        try {
            while (!outbox.offer(bytes, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (closed) {
                    throw new IOException("connection closed");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while sending", e);
        }
    }

    /**
     * Queues an asynchronous message (any thread, never waits); false if the connection is closed
     * or its queue is full (a peer that does not read loses asynchronous messages, as in OVS).
     */
    boolean sendAsync(final OFMessage m) {
        return sendAsync(encode(m));
    }

    /** Same, for a message already written. */
    boolean sendAsync(final byte[] bytes) {
        return !closed && outbox.offer(bytes);
    }

    private static byte[] encode(final OFMessage m) {
        final ByteBuf buf = Unpooled.buffer();
        m.writeTo(buf);
        final byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        return bytes;
    }

    /** The writer: sends queued messages in order until the connection closes. */
    private void drainOutbox() {
        try {
            while (!closed) {
                write(outbox.take());
            }
        } catch (InterruptedException e) {
            // closed
        } catch (IOException e) {
            if (!closed) {
                LOG.log(System.Logger.Level.INFO, name + ": connection dropped while sending (" + e.getMessage() + ")");
            }
            close();
        }
    }

    /** Writes on the channel: the writer's, or the connection thread's before the writer starts (HELLO). */
    private void write(final byte[] bytes) throws IOException {
        final ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(ch);
        final Thread w = writer;
        if (w != null) {
            w.interrupt();
        }
        onClose.accept(this);
        asyncChanged.run();
    }

    static void closeQuietly(final SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // Already gone.
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
