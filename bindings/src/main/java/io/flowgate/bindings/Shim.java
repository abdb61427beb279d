package io.flowgate.bindings;

/**
 * Friendly entry points to the shim that do not belong to a single C header: version checks and
 * strings copied out of native memory.
 */
public final class Shim {
    private Shim() {
    }

    /**
     * Checks that the loaded shim speaks the ABI these bindings were written for.
     *
     * @throws IllegalStateException naming both versions when they differ
     */
    public static void requireCompatibleAbi() {
        final int actual = flowgate_shim_h.fg_shim_abi_version();
        if (actual != flowgate_shim_h.FG_SHIM_ABI_VERSION) {
            throw new IllegalStateException("shim " + NativeLibrary.shimPath() + " has ABI version " + actual
                    + ", these bindings need " + flowgate_shim_h.FG_SHIM_ABI_VERSION + "; rebuild the native module");
        }
    }

    /** DPDK's version string as reported by the linked DPDK, e.g. {@code "DPDK 22.11.11"}. */
    @SuppressWarnings("restricted") // DPDK returns a NUL-terminated static string, far shorter than 256 bytes
    public static String dpdkVersion() {
        return flowgate_shim_h.fg_rte_version().reinterpret(256).getString(0);
    }
}
