package io.flowgate.slowpath.xlate;

import java.util.function.IntPredicate;

/**
 * The datapath's ports as translation sees them: which exist (output to another is skipped, as
 * OVS skips it), and which the reserved ports FLOOD and ALL reach.
 */
public interface XlatePorts {
    boolean exists(int port);

    /** Every port number, ascending: the order in which FLOOD and ALL output (do not modify). */
    int[] numbers();

    /** False for a port FLOOD skips (OpenFlow's no_flood); ALL reaches it still. */
    boolean floods(int port);

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
            public boolean floods(final int port) {
                return true;
            }
        };
    }
}
