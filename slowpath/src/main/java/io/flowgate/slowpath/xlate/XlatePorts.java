package io.flowgate.slowpath.xlate;

import java.util.function.IntPredicate;

/**
 * The datapath's ports as translation sees them: which exist (output to another is skipped, as
 * OVS skips it), which the reserved ports FLOOD and ALL reach, and each port's OpenFlow
 * configuration (PORT_MOD): a port down or with no_recv drops what it receives, one down or with
 * no_fwd gets no output, no_flood keeps FLOOD away, no_packet_in keeps its packets from the
 * controller.
 */
public interface XlatePorts {
    /** OpenFlow's port configuration bits (OFPPC_*; NO_FLOOD is OpenFlow 1.0's). */
    int PORT_DOWN = 1;
    int NO_RECV = 1 << 2;
    int NO_FLOOD = 1 << 4;
    int NO_FWD = 1 << 5;
    int NO_PACKET_IN = 1 << 6;

    boolean exists(int port);

    /** Every port number, ascending: the order in which FLOOD and ALL output (do not modify). */
    int[] numbers();

    /** The port's configuration bits (0 for a port that is not there). */
    int config(int port);

    /** Ports known only by a predicate (tests and benchmarks): FLOOD and ALL reach none. */
    static XlatePorts existing(final IntPredicate exists) {
        return new XlatePorts() {
            @Override
            public boolean exists(final int port) {
                return exists.test(port);
            }

            @Override
            public int[] numbers() {
                return new int[0];
            }

            @Override
            public int config(final int port) {
                return 0;
            }
        };
    }
}
