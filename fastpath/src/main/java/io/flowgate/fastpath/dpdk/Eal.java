package io.flowgate.fastpath.dpdk;

import io.flowgate.bindings.Layouts;
import io.flowgate.bindings.flowgate_shim_h;
import io.flowgate.bindings.rte_eal_h;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * DPDK's environment abstraction layer, started once per process. {@code rte_eal_init} pins the
 * thread that calls it to the main lcore, and threads it creates inherit that, so it runs on a
 * thread of its own that then ends. Before anything touches DPDK, the bindings' struct layouts are
 * checked against the DPDK the shim was built with.
 */
public final class Eal implements AutoCloseable {
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final System.Logger LOG = System.getLogger("dpdk");

    private final List<String> args;
    private boolean closed;

    private Eal(final List<String> args) {
        this.args = List.copyOf(args);
    }

    /**
     * Starts the EAL with these arguments (argv[0] is added).
     *
     * @throws DpdkException if DPDK refuses them or was already started in this process
     */
    public static Eal start(final List<String> args) throws DpdkException {
        try {
            Layouts.verify(Layouts.JAVA);
        } catch (IllegalStateException e) {
            throw new DpdkException(e.getMessage());
        }
        if (!STARTED.compareAndSet(false, true)) {
            throw new DpdkException("DPDK's EAL can be started only once per process");
        }
        final int[] rc = {0};
        final int[] errno = {0};
        final Thread t = Thread.ofPlatform().name("dpdk-eal").start(() -> {
            final List<String> argv = new ArrayList<>();
            argv.add("flowgate");
            argv.addAll(args);
            // rte_eal_init keeps pointers into argv for the life of the process: a global arena.
            final Arena arena = Arena.global();
            final MemorySegment array = arena.allocate(ValueLayout.ADDRESS, argv.size() + 1L);
            for (int i = 0; i < argv.size(); i++) {
                array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(argv.get(i)));
            }
            rc[0] = rte_eal_h.rte_eal_init(argv.size(), array);
            errno[0] = flowgate_shim_h.fg_errno();
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DpdkException("interrupted while DPDK's EAL was starting");
        }
        if (rc[0] < 0) {
            throw new DpdkException("DPDK's EAL did not start: " + strerror(errno[0]) + " (EAL arguments: "
                    + String.join(" ", args) + ")");
        }
        LOG.log(System.Logger.Level.INFO, "EAL started: " + String.join(" ", args));
        return new Eal(args);
    }

    public List<String> args() {
        return args;
    }

    /** Registers the calling thread with DPDK (a PMD, before its first burst), so it gets an lcore id and mempool cache. */
    public static void registerThread() {
        if (rte_eal_h.rte_thread_register() < 0) {
            throw new IllegalStateException("rte_thread_register failed on " + Thread.currentThread().getName() + ": "
                    + strerror(flowgate_shim_h.fg_errno()));
        }
    }

    /** DPDK's text for an error number. */
    @SuppressWarnings("restricted") // rte_strerror returns a NUL-terminated string, shorter than 512 bytes
    public static String strerror(final int error) {
        final int e = Math.abs(error);
        return flowgate_shim_h.fg_strerror(e).reinterpret(512).getString(0) + " (" + e + ")";
    }

    /** Releases DPDK's resources (after every port is closed). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        final int rc = rte_eal_h.rte_eal_cleanup();
        if (rc < 0) {
            LOG.log(System.Logger.Level.WARNING, "rte_eal_cleanup: " + strerror(rc));
        }
    }
}
