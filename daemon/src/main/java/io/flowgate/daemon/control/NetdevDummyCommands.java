package io.flowgate.daemon.control;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.fastpath.flow.FlowCompose;
import io.flowgate.fastpath.odp.OdpFlowParser;
import io.flowgate.fastpath.port.DummyPort;
import io.flowgate.fastpath.port.Port;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code netdev-dummy/receive PORT [--qid N] PACKET... [--len N]}, as OVS 3.1's lib/netdev-dummy.c
 * has it: each PACKET is a whole Ethernet frame in hex or, failing that, a flow in datapath (ODP)
 * syntax from which a frame is composed ({@link OdpFlowParser}, {@link FlowCompose}); {@code --len N}
 * right after a flow makes its frame N bytes long. The frames are received on dummy port PORT (its
 * name, or its number) as if they had come in from a wire.
 *
 * <p>Beyond OVS: a flow may also be written in ovs-ofctl syntax ({@code tcp,nw_src=10.0.0.1,tp_dst=80},
 * fields not given are zero, as in ofproto/trace); every argument is checked before any frame is
 * received, so a refused command receives nothing; errors name the argument; a frame that does not
 * fit {@code --len} and a full receive queue are refused instead of dropped without a word.
 */
final class NetdevDummyCommands {
    /** How long a full receive queue is waited for before the rest of a command is refused. */
    private static final long QUEUE_WAIT_MILLIS = 2_000;
    private static final Set<String> OFCTL_KEYWORDS = Set.of("ip", "ipv6", "tcp", "udp", "sctp", "icmp", "tcp6",
            "udp6", "sctp6", "icmp6", "arp", "rarp");

    private final Bridge dp;

    private NetdevDummyCommands(final Bridge dp) {
        this.dp = dp;
    }

    static void register(final Unixctl u, final Bridge dp) {
        final NetdevDummyCommands c = new NetdevDummyCommands(dp);
        u.register("netdev-dummy/receive", "name [--qid queue_id] packet|flow [--len packet_len]", 2,
                Integer.MAX_VALUE, c::receive);
    }

    private String receive(final List<String> args) throws CommandException {
        final DummyPort port = port(args.getFirst());
        int k = 1;
        if (args.size() > k + 1 && args.get(k).equals("--qid")) {
            final String qid = args.get(k + 1);
            if (!qid.matches("[0-9]{1,9}") || Integer.parseInt(qid) >= port.rxQueueCount()) {
                throw new CommandException("bad rx queue id. (--qid " + qid + ": " + port.name() + " has "
                        + port.rxQueueCount() + " receive queue" + (port.rxQueueCount() == 1 ? "" : "s")
                        + ", numbered from 0)");
            }
            k += 2;
        }
        final List<byte[]> frames = new ArrayList<>();
        for (int i = k; i < args.size(); i++) {
            final String packet = args.get(i);
            byte[] frame = hex(packet);
            if (frame != null && frame.length > DummyPort.MAX_FRAME) {
                throw new CommandException("packet of " + frame.length + " bytes is too long (the most is "
                        + DummyPort.MAX_FRAME + ")");
            }
            if (frame == null) {
                int length = 0;
                if (i + 1 < args.size() && args.get(i + 1).equals("--len")) {
                    length = length(i + 2 < args.size() ? args.get(i + 2) : null);
                    i += 2;
                }
                frame = compose(packet, length);
            }
            frames.add(frame);
        }
        int queued = 0;
        for (byte[] frame : frames) {
            if (!offer(port, frame)) {
                throw new CommandException("receive queue of " + port.name() + " is full (" + DummyPort.QUEUE_FRAMES
                        + " frames wait for the PMD); " + queued + " of " + frames.size() + " frames were received");
            }
            queued++;
        }
        return "";
    }

    /** Waits for room while the PMD drains the queue (a script may send faster than it polls). */
    private static boolean offer(final DummyPort port, final byte[] frame) {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(QUEUE_WAIT_MILLIS);
        while (!port.receive(frame)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    /** A dummy port by name or number; OVS's message, with which port was asked for and why it is not one. */
    private DummyPort port(final String text) throws CommandException {
        final Port other = dp.port(text);
        if (other instanceof DummyPort d) {
            return d;
        }
        if (other != null) {
            throw new CommandException("no such dummy netdev \"" + text + "\": port " + Integer.toUnsignedString(
                    other.number()) + " (" + other.name() + ") is a " + other.type() + " port");
        }
        throw new CommandException("no such dummy netdev \"" + text + "\"");
    }

    /**
     * A frame in hex as OVS's eth_from_hex reads it (pairs of hex digits, with spaces, tabs, line
     * ends and dots allowed between them), or null if the text is not one: then it is a flow.
     */
    static byte[] hex(final String text) {
        final StringBuilder digits = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            final char c = text.charAt(i);
            if (" .\t\r\n".indexOf(c) >= 0) {
                i++;
                continue;
            }
            if (i + 1 >= text.length() || Character.digit(c, 16) < 0 || Character.digit(text.charAt(i + 1), 16) < 0) {
                return null;
            }
            digits.append(c).append(text.charAt(i + 1));
            i += 2;
        }
        if (digits.length() / 2 < DummyPort.MIN_FRAME) {
            return null;
        }
        return HexFormat.of().parseHex(digits);
    }

    /** The value after --len: at least OVS's 60 bytes. */
    private static int length(final String text) throws CommandException {
        if (text == null || !text.matches("[0-9]{1,9}")) {
            throw new CommandException("--len needs a packet length in bytes" + (text == null ? "" : ", not \""
                    + text + "\""));
        }
        final int length = Integer.parseInt(text);
        if (length < FlowCompose.MIN_LENGTH) {
            throw new CommandException("too small packet len (--len " + length + "; the least is "
                    + FlowCompose.MIN_LENGTH + ")");
        }
        if (length > DummyPort.MAX_FRAME) {
            throw new CommandException("too big packet len (--len " + length + "; the most is " + DummyPort.MAX_FRAME
                    + ")");
        }
        return length;
    }

    /** The frame for a flow, with OVS's 64 payload bytes, or {@code length} bytes long. */
    private static byte[] compose(final String flow, final int length) throws CommandException {
        final long[] key;
        if (ofctlSyntax(flow)) {
            try {
                key = FlowSyntax.parseFlow(flow);
            } catch (SyntaxException e) {
                throw new CommandException("flow \"" + flow + "\", column " + e.column() + ": " + e.problem());
            }
        } else {
            try {
                key = OdpFlowParser.parse(flow);
            } catch (IllegalArgumentException e) {
                throw new CommandException(e.getMessage());
            }
        }
        if (length == 0) {
            return FlowCompose.compose(key, FlowCompose.DEFAULT_PAYLOAD);
        }
        try {
            return FlowCompose.composeLength(key, length);
        } catch (IllegalArgumentException e) {
            throw new CommandException("--len " + length + " is too short for flow \"" + flow + "\": " + e.getMessage());
        }
    }

    /**
     * ovs-ofctl's syntax ({@code tcp,nw_dst=10.0.0.2}) rather than ODP's ({@code eth_type(0x0800),...}):
     * no parentheses, and every comma-separated word a field=value or a protocol name. Anything
     * else goes to the ODP parser, whose error is OVS's.
     */
    static boolean ofctlSyntax(final String flow) {
        if (flow.isBlank() || flow.indexOf('(') >= 0) {
            return false;
        }
        for (String word : flow.split(",")) {
            final String w = word.strip();
            if (!w.isEmpty() && !w.contains("=") && !OFCTL_KEYWORDS.contains(w)) {
                return false;
            }
        }
        return true;
    }
}
