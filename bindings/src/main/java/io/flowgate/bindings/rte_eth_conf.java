package io.flowgate.bindings;

/**
 * {@code struct rte_eth_conf}: Flowgate passes it zeroed (every default) except the offload, MTU
 * and receive-side scaling fields below, so only their offsets and the size are described, with
 * the constants they take; {@link Layouts} checks them.
 */
@SuppressWarnings({"checkstyle:TypeName", "checkstyle:ConstantName"})
public final class rte_eth_conf {
    public static final long SIZE = 2272;
    public static final long rxmode_mtu = 12;
    public static final long rxmode_offloads = 24;
    public static final long txmode_offloads = 72;
    public static final long rxmode_mq_mode = 8;
    public static final long rss_conf_rss_hf = 144;
    /** {@code RTE_ETH_MQ_RX_RSS}: spread received packets over the queues by RSS. */
    public static final int MQ_RX_RSS = 1;
    /** {@code RTE_ETH_RSS_IP}, {@code _TCP}, {@code _UDP}: what the RSS hash covers. */
    public static final long RSS_IP = 0xa38cL;
    public static final long RSS_TCP = 0x10410L;
    public static final long RSS_UDP = 0x20820L;

    private rte_eth_conf() {
    }
}
