package io.flowgate.fastpath.port;

/**
 * A device's own counters (DPDK's {@code rte_eth_stats}), as OVS's netdev-dpdk reads them for
 * {@code dpctl/show -s}: what the NIC saw, including what never reached a PMD.
 *
 * @param rxNoMbuf        receptions that failed for want of an mbuf
 * @param rxMissed        packets the device dropped because its queue was full (imissed)
 * @param rxMultiSegment  packets Flowgate dropped because they spanned several mbufs
 */
public record DeviceStats(long rxPackets, long txPackets, long rxBytes, long txBytes, long rxErrors, long txErrors,
                          long rxMissed, long rxNoMbuf, long rxMultiSegment) {
    /** What OVS counts as the port's receive drops: no mbuf, missed, and what the datapath threw away. */
    public long rxDropped() {
        return rxNoMbuf + rxMissed + rxMultiSegment;
    }
}
