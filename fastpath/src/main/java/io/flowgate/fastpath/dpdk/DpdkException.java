package io.flowgate.fastpath.dpdk;

import io.flowgate.fastpath.port.PortException;

/** DPDK refused something; the message names the device or the step and DPDK's reason. */
public final class DpdkException extends PortException {
    @java.io.Serial
    private static final long serialVersionUID = 1L;

    public DpdkException(final String message) {
        super(message);
    }
}
