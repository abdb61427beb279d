package io.flowgate.slowpath.xlate;

import static io.flowgate.fastpath.flow.FlowKey.VLAN_CFI;
import static io.flowgate.fastpath.flow.FlowKey.W_VLAN;

import io.flowgate.fastpath.flow.FlowField;

/**
 * The VLAN stack of a flow key as translation sees it: two slots (outer 0, inner 1), each a
 * 32-bit qtag ({@code tpid << 16 | tci}) in the key's VLAN word. Shared by the actions that push
 * and pop tags ({@link Xlate}) and by the commit that turns the difference into datapath
 * push_vlan/pop_vlan ({@link OdpCommit}).
 */
final class VlanStack {
    private VlanStack() {
    }

    /** How many tags the key has (0, 1 or 2). */
    static int tags(final long[] k) {
        if ((FlowField.VLAN0_TCI.get(k) & VLAN_CFI) == 0) {
            return 0;
        }
        return (FlowField.VLAN1_TCI.get(k) & VLAN_CFI) == 0 ? 1 : 2;
    }

    /** Slot {@code i}'s qtag. */
    static long qtag(final long[] k, final int i) {
        return i == 0 ? (k[W_VLAN] >>> 32) : (k[W_VLAN] & 0xFFFF_FFFFL);
    }

    /** Replaces slot {@code i}'s qtag with {@code q}. */
    static void setQtag(final long[] k, final int i, final long q) {
        k[W_VLAN] = i == 0 ? (k[W_VLAN] & 0xFFFF_FFFFL) | (q << 32) : (k[W_VLAN] & ~0xFFFF_FFFFL) | q;
    }
}
