package io.flowgate.daemon.openflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.projectfloodlight.openflow.protocol.OFFactories;
import org.projectfloodlight.openflow.protocol.OFFactory;
import org.projectfloodlight.openflow.protocol.OFMessage;
import org.projectfloodlight.openflow.protocol.OFVersion;

/** A test's OpenFlow 1.3 client of the switch's Unix socket, raw bytes in and out; it has said HELLO. */
final class OfClient implements AutoCloseable {
    static final OFFactory OF13 = OFFactories.getFactory(OFVersion.OF_13);

    final SocketChannel ch;
    final ByteBuffer in = ByteBuffer.allocate(1 << 18);

    OfClient(final Path socket) throws IOException {
        this(connect(socket));
    }

    /** Over a connection made some other way (the switch connecting to a test's controller socket). */
    OfClient(final SocketChannel connected) throws IOException {
        ch = connected;
        ch.configureBlocking(false);
        send(bytes(OF13.buildHello().setXid(1).build()));
        final byte[] hello = next();
        assertEquals(0x04, hello[0], "the switch speaks OpenFlow 1.3");
        assertEquals(0, hello[1], "and says HELLO first");
    }

    private static SocketChannel connect(final Path socket) throws IOException {
        final SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    void send(final byte[] msg) throws IOException {
        final ByteBuffer b = ByteBuffer.wrap(msg);
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (b.hasRemaining()) {
            if (ch.write(b) == 0) {
                drainInto(null); // the switch's replies fill its socket: read them while writing
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the switch does not read");
                }
            }
        }
    }

    /** The next whole message, or null if the switch closed (or reset) the connection. */
    byte[] next() throws IOException {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        int idle = 0;
        while (true) {
            final byte[] m = framed();
            if (m != null) {
                return m;
            }
            final int n;
            try {
                n = ch.read(in);
            } catch (java.net.SocketException e) {
                return null; // reset: the switch closed with our bytes unread, a hang-up all the same
            }
            if (n < 0) {
                return null;
            }
            if (n == 0) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no reply in 30 s");
                }
                // Spin a little (replies usually come at once), then let the other core work.
                if (++idle < 10_000) {
                    Thread.onSpinWait();
                } else {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
            } else {
                idle = 0;
            }
        }
    }

    private byte[] framed() {
        in.flip();
        try {
            if (in.remaining() >= 8) {
                final int len = in.getShort(in.position() + 2) & 0xFFFF;
                assertTrue(len >= 8, "the switch sends well-framed messages");
                if (in.remaining() >= len) {
                    final byte[] m = new byte[len];
                    in.get(m);
                    return m;
                }
            }
            return null;
        } finally {
            in.compact();
        }
    }

    /** Reads whatever has come (kept in order in {@code out} if given). */
    void drainInto(final List<byte[]> out) throws IOException {
        if (ch.read(in) < 0) {
            return;
        }
        for (byte[] m; (m = framed()) != null; ) {
            if (out != null) {
                out.add(m);
            }
        }
    }

    /** Sends an echo request and reads up to its reply; null if the connection closed first. */
    List<byte[]> roundTrip(final long xid) throws IOException {
        try {
            send(bytes(OF13.buildEchoRequest().setXid(xid).setData(new byte[0]).build()));
        } catch (IOException e) {
            return null; // closed
        }
        final List<byte[]> got = new ArrayList<>();
        while (true) {
            final byte[] m = next();
            if (m == null) {
                return null;
            }
            got.add(m);
            if (m[1] == 3 && ByteBuffer.wrap(m).getInt(4) == (int) xid) {
                return got;
            }
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }

    /** A message's bytes on the wire. */
    static byte[] bytes(final OFMessage m) {
        final ByteBuf b = Unpooled.buffer();
        m.writeTo(b);
        final byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    /** Reads a message with the codec. */
    static OFMessage parse(final byte[] m) throws Exception {
        return OFFactories.getGenericReader().readFrom(Unpooled.wrappedBuffer(m));
    }

    /** A switch of {@code dp} that connects to the controller listening on {@code socket}, started. */
    static OfServer switchConnectingTo(final io.flowgate.daemon.bridge.Bridge dp, final Path socket,
                                       final PacketInLimit limit) throws Exception {
        final OfServer s = new OfServer(new OfSwitch(dp, 1), List.of(), List.of(OfTarget.parse("unix:" + socket)),
                limit);
        s.start();
        return s;
    }
}
