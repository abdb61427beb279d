package io.flowgate.daemon.control;

import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.openflow.OfServer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's control socket with every command registered: what {@code flowgate run} starts
 * beside its datapath. The socket is {@code RUNDIR/NAME.PID.ctl} (NAME: flowgate, or the name of
 * the pid file given with --pidfile), so {@code ovs-appctl -t NAME} finds it through
 * {@code OVS_RUNDIR/NAME.pid}.
 */
public final class ControlSocket implements AutoCloseable {
    private final UnixctlServer server;
    private final Coverage coverage = new Coverage();
    private volatile OfServer openflow;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "coverage");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param exit what the "exit" command does (stop the daemon as SIGTERM would)
     * @param group a group allowed to connect besides the daemon's user and root, or null
     */
    public ControlSocket(final Path rundir, final Bridge dp, final Runnable exit, final String group)
            throws IOException {
        this(rundir, "flowgate", dp, exit, group);
    }

    /** @param name the daemon's name for clients: the socket is {@code RUNDIR/NAME.PID.ctl} */
    public ControlSocket(final Path rundir, final String name, final Bridge dp, final Runnable exit,
                         final String group) throws IOException {
        final Unixctl commands = new Unixctl();
        DaemonCommands.register(commands, dp, coverage, exit);
        DatapathCommands.register(commands, dp);
        PmdCommands.register(commands, dp);
        LbCommands.register(commands, dp);
        UpcallCommands.register(commands, dp);
        OfctlCommands.register(commands, dp);
        ConfigCommands.register(commands, dp);
        NetdevDummyCommands.register(commands, dp);
        OpenFlowCommands.register(commands, () -> openflow);
        server = new UnixctlServer(rundir.resolve(name + "." + ProcessHandle.current().pid() + ".ctl"), commands, group);
        coverage.add("unixctl_received", server::served);
        coverage.add("unixctl_refused", server::refused);
    }

    /** The OpenFlow side that openflow/show describes, once it runs (null: off). */
    public void openflow(final OfServer server) {
        this.openflow = server;
    }

    public Path path() {
        return server.path();
    }

    public void start() {
        server.start();
        sampler.scheduleAtFixedRate(coverage::sample, 0, Coverage.PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        server.close();
    }
}
