package io.flowgate.fastpath.port;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files ports read and write, so that no port writes over what another (or itself) reads:
 * an output opened on an input's file would truncate the capture before it is replayed. Files are
 * compared by identity (a hard link, a symbolic link or another spelling of the same path is the
 * same file), and by absolute path when the output does not exist yet.
 */
public final class PortFiles {
    private PortFiles() {
    }

    private record File(Path path, String role) {
    }

    /** Refuses specs in which an output is an input. */
    public static void checkOutputsAreNotInputs(final List<PortSpec> specs) throws PortException {
        final List<File> inputs = new ArrayList<>();
        final List<File> outputs = new ArrayList<>();
        for (PortSpec s : specs) {
            final String port = "port " + Integer.toUnsignedString(s.number());
            switch (s.kind()) {
                case "pcap" -> {
                    add(inputs, s.option("in", null), port + " in=");
                    add(outputs, s.option("out", null), port + " out=");
                }
                case "dummy" -> add(outputs, s.option("tx_pcap", null), port + " tx_pcap=");
                case "dpdk" -> {
                    // net_pcap devices: rx_pcap= reads, tx_pcap= writes.
                    for (String kv : s.value().split(",")) {
                        if (kv.startsWith("rx_pcap=")) {
                            add(inputs, kv.substring(8), port + " rx_pcap=");
                        } else if (kv.startsWith("tx_pcap=")) {
                            add(outputs, kv.substring(8), port + " tx_pcap=");
                        }
                    }
                }
                default -> {
                }
            }
        }
        for (int i = 0; i < outputs.size(); i++) {
            final File out = outputs.get(i);
            for (File in : inputs) {
                if (same(in.path(), out.path())) {
                    throw new PortException(out.role() + out.path() + " is also " + in.role() + in.path()
                            + ": refusing to write over an input");
                }
            }
            for (int j = 0; j < i; j++) {
                if (same(outputs.get(j).path(), out.path())) {
                    throw new PortException(out.role() + out.path() + " is also " + outputs.get(j).role()
                            + outputs.get(j).path() + ": two outputs cannot share a file");
                }
            }
        }
    }

    private static void add(final List<File> to, final String file, final String role) {
        if (file != null && !file.isEmpty()) {
            to.add(new File(Path.of(file), role));
        }
    }

    private static boolean same(final Path a, final Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) {
            return true;
        }
        if (Files.exists(a) && Files.exists(b)) {
            try {
                return Files.isSameFile(a, b);
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }
}
