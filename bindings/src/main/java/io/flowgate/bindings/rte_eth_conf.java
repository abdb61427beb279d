package io.flowgate.bindings;

/**
 * {@code struct rte_eth_conf}: Flowgate passes it zeroed (every default) except the offload and
 * MTU fields below, so only their offsets and the size are described; {@link Layouts} checks them.
 */
@SuppressWarnings({"checkstyle:TypeName", "checkstyle:ConstantName"})
public final class rte_eth_conf {
    public static final long SIZE = 2272;
    public static final long rxmode_mtu = 12;
    public static final long rxmode_offloads = 24;
    public static final long txmode_offloads = 72;

    private rte_eth_conf() {
    }
}
