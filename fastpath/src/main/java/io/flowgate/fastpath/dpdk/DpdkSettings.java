package io.flowgate.fastpath.dpdk;

import java.util.List;

/**
 * How DPDK is set up for a datapath's DPDK ports.
 *
 * @param ealArgs       EAL arguments (the devices' -a/--vdev arguments are added), or empty for
 *                      {@link #DEFAULT_EAL_ARGS}, which need no hugepages
 * @param mbufs         mbufs in the pool the ports share
 * @param rxDescriptors descriptors per receive queue
 * @param txDescriptors descriptors per transmit queue
 * @param mtu           the MTU of a port without mtu_request, or 0 for the device's own
 */
public record DpdkSettings(List<String> ealArgs, int mbufs, int rxDescriptors, int txDescriptors, int mtu) {
    public static final List<String> DEFAULT_EAL_ARGS = List.of("-l", "0", "--no-huge", "-m", "512",
            "--no-shconf", "--no-telemetry");

    public DpdkSettings {
        ealArgs = List.copyOf(ealArgs);
    }
}
