package io.flowgate.slowpath.lb;

/**
 * The state of a connection in the connection table, with IPVS's names and default timeouts
 * (net/netfilter/ipvs/ip_vs_proto_tcp.c and _udp.c). TCP connections move through the states by
 * the flags of their packets ({@link #next}); every other IP protocol has the one state
 * {@link #UDP}. A connection is <em>active</em> only while ESTABLISHED, as IPVS counts it.
 */
public enum ConnState {
    NONE(2),
    ESTABLISHED(900),
    SYN_SENT(120),
    SYN_RECV(60),
    FIN_WAIT(120),
    TIME_WAIT(120),
    CLOSE(10),
    CLOSE_WAIT(60),
    LAST_ACK(30),
    LISTEN(120),
    SYNACK(120),
    /** UDP and any other IP protocol: one state, IPVS's UDP timeout. */
    UDP(300);

    /** The packet's direction relative to the connection's first packet. */
    public enum Direction {
        /** As the first packet: client to service. */
        INPUT,
        /** The reverse: the service's replies, when they pass through the same group. */
        OUTPUT
    }

    private static final int TCP_FIN = 0x01;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_RST = 0x04;
    private static final int TCP_ACK = 0x10;

    private static final ConnState sNO = NONE;
    private static final ConnState sES = ESTABLISHED;
    private static final ConnState sSS = SYN_SENT;
    private static final ConnState sSR = SYN_RECV;
    private static final ConnState sFW = FIN_WAIT;
    private static final ConnState sTW = TIME_WAIT;
    private static final ConnState sCL = CLOSE;
    private static final ConnState sCW = CLOSE_WAIT;
    private static final ConnState sLA = LAST_ACK;
    private static final ConnState sLI = LISTEN;
    private static final ConnState sSA = SYNACK;

    // IPVS's tables, one row per event (syn, fin, ack, rst), one column per state NONE..SYNACK.
    // INPUT_ONLY is used while no reply has been seen (IPVS's IP_VS_CONN_F_NOOUTPUT: direct
    // routing, or replies that bypass Flowgate); INPUT and OUTPUT once replies pass too.
    private static final ConnState[][] INPUT = {
        {sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR},
        {sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW},
        {sCL, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES},
        {sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR},
    };
    private static final ConnState[][] OUTPUT = {
        {sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR},
        {sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW},
        {sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES},
        {sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL},
    };
    // One change from IPVS: an ACK in FIN_WAIT is TIME_WAIT here (IPVS stays in FIN_WAIT). With
    // one direction to see, the client's ACK after its FIN is its answer to the server's FIN:
    // the close is done as far as it can be seen (both states have IPVS's same 120 s).
    private static final ConnState[][] INPUT_ONLY = {
        {sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR},
        {sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW},
        {sCL, sES, sSS, sES, sTW, sTW, sCL, sCW, sCL, sLI, sES},
        {sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL},
    };

    private final int defaultSeconds;

    ConnState(final int defaultSeconds) {
        this.defaultSeconds = defaultSeconds;
    }

    /** IPVS's default timeout of this state, in seconds. */
    public int defaultSeconds() {
        return defaultSeconds;
    }

    /** Counted as an active connection of its bucket (IPVS's ActiveConn); every other state is inactive. */
    public boolean active() {
        return this == ESTABLISHED;
    }

    /** The name ipvsadm -Lc prints. */
    public String displayName() {
        return name();
    }

    /**
     * The state after one TCP packet with {@code flags} in {@code direction}, as IPVS moves it: the
     * event is RST, else SYN, else FIN, else ACK; a packet with none of them changes nothing.
     *
     * @param repliesSeen whether a packet of the OUTPUT direction has been seen (else INPUT packets
     *                    follow the input-only table)
     */
    public ConnState next(final int flags, final Direction direction, final boolean repliesSeen) {
        if (this == UDP) {
            return UDP;
        }
        final int event = (flags & TCP_RST) != 0 ? 3 : (flags & TCP_SYN) != 0 ? 0 : (flags & TCP_FIN) != 0 ? 1
                : (flags & TCP_ACK) != 0 ? 2 : -1;
        if (event < 0) {
            return this;
        }
        final ConnState[][] table = direction == Direction.OUTPUT ? OUTPUT : repliesSeen ? INPUT : INPUT_ONLY;
        return table[event][ordinal()];
    }

    /**
     * The state of a connection first seen with a packet of these flags. IPVS's tables would put a
     * mid-stream packet (ACK without SYN) in CLOSE; Flowgate picks such a connection up as
     * ESTABLISHED, as conntrack's loose mode does, because it is how a connection arrives after
     * its flow moved here from another node of a fleet or after a table that was lost.
     */
    public static ConnState first(final int proto, final int flags) {
        if (proto != 6) {
            return UDP;
        }
        if ((flags & (TCP_RST | TCP_SYN | TCP_FIN)) == 0 && (flags & TCP_ACK) != 0) {
            return ESTABLISHED;
        }
        return NONE.next(flags, Direction.INPUT, false);
    }

    /**
     * This state, reached with the input-only table, read as the two-way tables would have it,
     * for when the first reply shows that replies pass: the client's FIN made FIN_WAIT there but
     * CLOSE_WAIT here (the server has yet to close).
     */
    ConnState withRepliesSeen() {
        return this == FIN_WAIT ? CLOSE_WAIT : this;
    }

    /** The state of this name (as printed, any case), or null. */
    public static ConnState byName(final String name) {
        for (ConnState s : values()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        return null;
    }
}
