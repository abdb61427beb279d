package io.flowgate.fastpath.dpdk;

import io.flowgate.fastpath.port.PortException;

/** DPDK refused something; the message names the device or the step and DPDK's reason. */
public final class DpdkException extends PortException {
    public DpdkException(final String message) {
        super(message);
    }
}
