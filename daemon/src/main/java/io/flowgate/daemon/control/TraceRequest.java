package io.flowgate.daemon.control;

import io.flowgate.fastpath.flow.FlowCompose;
import io.flowgate.fastpath.flow.FlowField;
import io.flowgate.fastpath.flow.FlowKey;
import io.flowgate.fastpath.odp.OdpFlowParser;
import io.flowgate.fastpath.parse.FlowExtractor;
import io.flowgate.fastpath.parse.ParseCounters;
import io.flowgate.slowpath.syntax.FlowSyntax;
import io.flowgate.slowpath.syntax.SyntaxException;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The arguments of {@code ofproto/trace {[DPNAME] ODP_FLOW | [BRIDGE] FLOW} [-generate | PACKET]} as OVS 3.1 reads them
 * (ofproto/ofproto-dpif-trace.c), for the daemon's command and the offline {@code flowgate trace}.
 *
 * <ul>
 * <li>BRIDGE: Flowgate has one bridge, named {@code flowgate}; {@code br0}, the name OVS users type,
 * is taken for it too. Any other name is refused as OVS refuses it ({@code X: unknown bridge}).
 * Without a bridge the flow is still taken in ovs-ofctl syntax (OVS would then want a datapath
 * flow).</li>
 * <li>A flow in datapath syntax ({@code in_port(1),eth(...),...}), alone or after the datapath's
 * name ({@code netdev} or {@code ovs-netdev}), as OVS takes it.</li>
 * <li>PACKET: a frame in hex after the flow. As in OVS, the flow gives the packet's metadata
 * (in_port) and every other field is read from the frame; the last of two arguments is a packet
 * when it reads as one, the last of three must be one.</li>
 * <li>{@code -generate}: OVS composes a packet from the flow and runs it through the actions except
 * outputs after the trace. The trace itself is the one of the flow, and no Flowgate action has an
 * effect outside the packet, so the output is the same as without it.</li>
 * </ul>
 */
public final class TraceRequest {
    /** The names the one bridge answers to. */
    public static final Set<String> BRIDGE_NAMES = Set.of("flowgate", "br0");
    /** Options OVS's ofproto/trace takes that Flowgate's does not. */
    private static final Set<String> OVS_OPTIONS = Set.of("--l7", "--l7-len", "-names", "--names", "--ct-next");
    /** OVS's shortest frame (an Ethernet header). */
    private static final int ETH_HEADER_LEN = 14;

    private TraceRequest() {
    }

    /**
     * The flow key to trace; the message of the exception is OVS's where OVS has one.
     *
     * @param vlanLimit how many VLAN tags a packet's parse reads (the datapath's vlan-limit)
     */
    public static long[] parse(final List<String> arguments, final int vlanLimit) throws BadRequest {
        boolean generate = false;
        final List<String> args = new ArrayList<>();
        for (String a : arguments) {
            if (a.equals("-generate") || a.equals("--generate")) {
                generate = true;
            } else if (OVS_OPTIONS.contains(a)) {
                throw new BadRequest(a + ": not supported by Flowgate (port names, L7 payloads and connection"
                        + " tracking states are not traced)");
            } else if (a.startsWith("-")) {
                throw new BadRequest(a + ": unknown option");
            } else if (args.size() == 3) {
                throw new BadRequest("too many arguments");
            } else {
                args.add(a);
            }
        }
        byte[] packet = null;
        if (!generate && args.size() > 1) {
            final Object hex = hex(args.getLast());
            if (hex instanceof byte[] frame) {
                packet = frame;
                args.removeLast();
            } else if (args.size() > 2) {
                throw new BadRequest((String) hex); // the last of three must be a packet
            }
        }
        if (args.isEmpty() || args.size() > 2) {
            throw new BadRequest("Syntax error");
        }
        final long[] key = NetdevDummyCommands.ofctlSyntax(args.getLast()) ? bridgeFlow(args) : datapathFlow(args);
        if (generate) {
            // Composed as OVS composes it, so a flow that makes no packet is refused as there.
            try {
                FlowCompose.compose(key, FlowCompose.DEFAULT_PAYLOAD);
            } catch (IllegalArgumentException e) {
                throw new BadRequest("cannot generate a packet for this flow: " + e.getMessage());
            }
            return key;
        }
        if (packet == null) {
            return key;
        }
        final long[] fromPacket = new long[FlowKey.WORDS];
        new FlowExtractor(new ParseCounters(), vlanLimit).extract(MemorySegment.ofArray(packet), 0, packet.length,
                (int) FlowField.IN_PORT.get(key), fromPacket, 0);
        return fromPacket;
    }

    /** {@code [BRIDGE] FLOW} in ovs-ofctl syntax (OVS wants the bridge; Flowgate's one bridge may go without). */
    private static long[] bridgeFlow(final List<String> args) throws BadRequest {
        if (args.size() == 2 && !BRIDGE_NAMES.contains(args.getFirst())) {
            throw new BadRequest(args.getFirst() + ": unknown bridge");
        }
        try {
            return FlowSyntax.parseFlow(args.getLast());
        } catch (SyntaxException e) {
            throw new BadRequest("Bad openflow flow syntax: " + e.getMessage());
        }
    }

    /**
     * {@code [DPNAME] FLOW} in datapath (ODP) syntax, as OVS reads it: the datapath is named by its
     * type, with or without "ovs-" ({@code netdev}, {@code ovs-netdev}); in_port is a datapath port
     * number, which in Flowgate is the OpenFlow port's.
     */
    private static long[] datapathFlow(final List<String> args) throws BadRequest {
        final String flow = args.getLast();
        final long[] key;
        try {
            key = OdpFlowParser.parse(flow);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage() + (args.size() == 1 ? " (or the bridge name was omitted)" : ""));
        }
        if (args.size() == 2 && !args.getFirst().replaceFirst("^ovs-", "").equals("netdev")) {
            throw new BadRequest("Cannot find the datapath");
        }
        final Matcher inPort = IN_PORT.matcher(flow);
        if (inPort.find()) {
            final String n = inPort.group(1);
            FlowField.IN_PORT.set(key, n.startsWith("0x") ? Long.parseLong(n.substring(2), 16) : Long.parseLong(n));
        }
        return key;
    }

    /** The in_port attribute of a datapath flow (which {@link OdpFlowParser} has checked). */
    private static final Pattern IN_PORT = Pattern.compile("(?:^|[,\\s])in_port\\((0x[0-9a-fA-F]{1,8}|[0-9]{1,10})[/)]");

    /** A frame in hex (OVS's eth_from_hex: hex digit pairs, spaces between allowed), or why it is not one. */
    private static Object hex(final String text) {
        final String digits = text.replaceAll("\\s+", "");
        if (digits.length() % 2 != 0 || !digits.matches("[0-9a-fA-F]*")) {
            return "Trailing garbage in packet data";
        }
        if (digits.length() / 2 < ETH_HEADER_LEN) {
            return "Packet data too short for Ethernet";
        }
        return HexFormat.of().parseHex(digits);
    }

    /** Arguments ofproto/trace does not take. */
    public static final class BadRequest extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        public BadRequest(final String message) {
            super(message);
        }
    }
}
