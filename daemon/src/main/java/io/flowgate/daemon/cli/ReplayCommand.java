package io.flowgate.daemon.cli;

import io.flowgate.daemon.config.ConfigException;
import io.flowgate.daemon.config.SettingValues;
import io.flowgate.daemon.config.Settings;
import io.flowgate.daemon.bridge.Bridge;
import io.flowgate.daemon.bridge.BridgeConfig;
import io.flowgate.daemon.bridge.Summary;
import io.flowgate.fastpath.pcap.ReplacedFile;
import io.flowgate.fastpath.port.PcapPort;
import io.flowgate.fastpath.port.PortFiles;
import io.flowgate.fastpath.port.Port;
import io.flowgate.fastpath.port.PortException;
import io.flowgate.fastpath.port.PortSpec;
import io.flowgate.slowpath.ofproto.RulePipeline;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flowgate replay}: runs pcap captures through the whole datapath (parser, EMC, dpcls,
 * upcalls, translation, actions) and writes what each port transmits to a pcap. Inputs are merged
 * by capture time and every port's output keeps input order, so the output equals what Open
 * vSwitch transmits when fed the same packets one at a time.
 */
@Command(name = "replay", description = "Replay pcap files through the datapath and write each port's output.",
        modelTransformer = SettingOptions.Replay.class)
final class ReplayCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    RuleFiles.Options rules;

    @Option(names = "--in", paramLabel = "N=FILE", description = "replay FILE as traffic received on port N (repeatable)")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--out", paramLabel = "N=FILE", description = "write what port N transmits to FILE (repeatable)")
    List<String> outputs = new ArrayList<>();

    @Option(names = "--json", description = "print the summary as one JSON object")
    boolean json;

    @Option(names = "--io", paramLabel = "pcap|dpdk", defaultValue = "pcap",
            description = "read and write the captures with Flowgate's pcap ports, or through DPDK net_pcap devices"
                    + " (default: ${DEFAULT-VALUE})")
    String ioMode;

    @Option(names = "--no-progress", description = "do not show progress on standard error")
    boolean noProgress;

    @Option(names = "--progress-interval", paramLabel = "MS",
            description = "milliseconds between progress updates (default: 250 on a terminal, 1000 otherwise)")
    Integer progressInterval;

    @Override
    public Integer call() throws Exception {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (inputs.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "replay needs at least one --in N=FILE");
        }
        final Map<Integer, String[]> byPort = new TreeMap<>();
        collect(inputs, 0, byPort);
        collect(outputs, 1, byPort);
        if (!ioMode.equals("pcap") && !ioMode.equals("dpdk")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--io must be pcap or dpdk, not \"" + ioMode + "\"");
        }
        final List<PortSpec> specs = new ArrayList<>();
        final Map<Integer, Long> expected = new TreeMap<>();
        // DPDK's net_pcap writes where it is told: a temporary file, renamed over the output at the end.
        final List<PortSpec> asNamed = new ArrayList<>();
        final List<ReplacedFile> replaced = new ArrayList<>();
        for (Map.Entry<Integer, String[]> e : byPort.entrySet()) {
            final String[] files = e.getValue();
            if (ioMode.equals("dpdk")) {
                asNamed.add(PortSpec.parse(e.getKey(), netPcap(e.getKey(), files, null)));
                final ReplacedFile output = files[1] == null ? null : ReplacedFile.of(Path.of(files[1]));
                if (output != null) {
                    replaced.add(output);
                }
                specs.add(PortSpec.parse(e.getKey(), netPcap(e.getKey(), files, output)));
                expected.put(e.getKey(), files[0] == null ? 0L : countPackets(Path.of(files[0])));
                continue;
            }
            final StringBuilder s = new StringBuilder("pcap:");
            if (files[0] != null) {
                s.append("in=").append(files[0]);
            }
            if (files[1] != null) {
                s.append(files[0] != null ? "," : "").append("out=").append(files[1]);
            }
            specs.add(PortSpec.parse(e.getKey(), s.toString()));
        }
        final int emcInverse;
        final List<String> ealArgs;
        try {
            final SettingValues v = new SettingValues(SettingOptions.given(spec, SettingOptions.Replay.SETTINGS), null, null);
            emcInverse = v.get(Settings.EMC_INSERT_INV_PROB);
            ealArgs = v.get(Settings.DPDK_ARGS);
        } catch (ConfigException e) {
            return FlowgateCommand.fail(err, e);
        }
        final RulePipeline pipeline = rules.load(err);
        if (pipeline == null) {
            return 1;
        }
        try {
            PortFiles.checkOutputsAreNotInputs(asNamed); // the pcap ports' names are checked by the datapath
        } catch (PortException e) {
            return FlowgateCommand.fail(err, e);
        }
        final BridgeConfig config = BridgeConfig.of(specs, null, true).with(c -> {
            c.emcInsertInverse = emcInverse;
            c.dpdk = new BridgeConfig.Dpdk(ealArgs, BridgeConfig.Dpdk.DEFAULTS.mbufs(), 1024, 1024, 0, expected);
        });
        final Bridge dp;
        try {
            dp = new Bridge(config, pipeline);
        } catch (PortException e) {
            replaced.forEach(ReplacedFile::discard);
            return FlowgateCommand.fail(err, e);
        }
        final long start = System.nanoTime();
        int status = 0;
        try {
            dp.start();
            final long inputPackets = expected.values().stream().mapToLong(Long::longValue).sum();
            final Progress progress = noProgress ? null : new Progress(dp, err, inputPackets);
            final long interval = progressInterval != null ? Math.max(10, progressInterval)
                    : progress != null && progress.terminal ? 250 : 1000;
            // A failed PMD never drains: stop at once rather than wait for it.
            while (dp.failure() == null && !dp.awaitDrained(interval, TimeUnit.MILLISECONDS)) {
                if (progress != null) {
                    progress.show();
                }
            }
            if (progress != null) {
                progress.finish();
            }
            if (dp.failure() != null) {
                err.println("flowgate: " + dp.failure() + "; stopping");
                status = 1;
            }
        } finally {
            dp.close();
        }
        for (ReplacedFile output : replaced) {
            try {
                output.keepPermissions();
                output.publish();
            } catch (IOException e) {
                err.println("flowgate: cannot finish " + output.target() + ": " + FlowgateCommand.describe(e));
                status = 1;
            }
        }
        final long elapsed = System.nanoTime() - start;
        if (RunCommand.reportPortFailures(dp, new HashSet<>(), err)) {
            status = 1;
        }
        final Summary summary = Summary.of(dp, elapsed);
        out.print(json ? summary.json() + System.lineSeparator() : summary.text());
        out.flush();
        return status;
    }

    /**
     * A DPDK net_pcap device reading and writing a port's captures (file names may not hold
     * commas); the output written under {@code out}'s temporary name if given.
     */
    private String netPcap(final int port, final String[] files, final ReplacedFile out) {
        final StringBuilder s = new StringBuilder("dpdk:net_pcap").append(port);
        for (int i = 0; i < 2; i++) {
            if (files[i] != null) {
                final String abs = (i == 1 && out != null ? out.written() : Path.of(files[i]).toAbsolutePath())
                        .toString();
                if (abs.contains(",")) {
                    throw new CommandLine.ParameterException(spec.commandLine(), abs + ": --io dpdk cannot pass a file"
                            + " name with a comma to DPDK");
                }
                s.append(i == 0 ? ",rx_pcap=" : ",tx_pcap=").append(abs);
            }
        }
        return s.toString();
    }

    /** Packets in a capture (DPDK's net_pcap does not say when its file ends). */
    private static long countPackets(final Path file) throws IOException {
        long n = 0;
        try (io.flowgate.fastpath.pcap.PacketReader r = io.flowgate.fastpath.pcap.PacketReader.open(file)) {
            while (r.next()) {
                n++;
            }
        }
        return n;
    }

    private void collect(final List<String> specs, final int slot, final Map<Integer, String[]> byPort) {
        for (String s : specs) {
            final int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        (slot == 0 ? "--in" : "--out") + " " + s + ": expected N=FILE");
            }
            final int port;
            try {
                port = Integer.parseInt(s.substring(0, eq));
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        (slot == 0 ? "--in" : "--out") + " " + s + ": \"" + s.substring(0, eq) + "\" is not a port number");
            }
            final String[] io = byPort.computeIfAbsent(port, k -> new String[2]);
            if (io[slot] != null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        (slot == 0 ? "--in" : "--out") + " given twice for port " + port);
            }
            io[slot] = s.substring(eq + 1);
        }
    }

    /**
     * Progress on standard error: packets so far, share of the input read, rate. On a terminal one
     * line is redrawn four times a second; otherwise (a log) a line is added every second. Either
     * way the last line shows the finished state.
     */
    private static final class Progress {
        private final Bridge dp;
        private final PrintWriter err;
        private final long start = System.nanoTime();
        /** Packets in the inputs when DPDK reads them (its net_pcap tells no file position), else 0. */
        private final long inputPackets;
        final boolean terminal = System.console() != null;

        Progress(final Bridge dp, final PrintWriter err, final long inputPackets) {
            this.dp = dp;
            this.err = err;
            this.inputPackets = inputPackets;
        }

        void show() {
            long size = 0;
            long pos = 0;
            for (Port p : dp.ports()) {
                if (p instanceof PcapPort pcap) {
                    size += pcap.inputSize();
                    pos += pcap.exhausted() ? pcap.inputSize() : pcap.inputPosition();
                }
            }
            final long packets = dp.totals().get(io.flowgate.fastpath.pmd.PmdCounter.RX_PACKETS);
            final double secs = (System.nanoTime() - start) / 1e9;
            final double done = size > 0 ? 100.0 * pos / size
                    : inputPackets > 0 ? 100.0 * Math.min(packets, inputPackets) / inputPackets : 0.0;
            final String line = String.format("replay: %,d packets, %.0f%% of input, %.0f kpps", packets, done,
                    packets / secs / 1000);
            err.print(terminal ? "\r" + line : line + System.lineSeparator());
            err.flush();
        }

        void finish() {
            show();
            if (terminal) {
                err.println();
            }
        }
    }
}
