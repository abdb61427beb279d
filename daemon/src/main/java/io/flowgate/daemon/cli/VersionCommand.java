package io.flowgate.daemon.cli;

import io.flowgate.bindings.Shim;
import io.flowgate.daemon.Version;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code flowgate version}: Flowgate's version and the Java and DPDK it runs on. */
@Command(name = "version", description = "Print the version of Flowgate, Java and DPDK.")
final class VersionCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final var out = spec.commandLine().getOut();
        out.println("flowgate " + Version.get());
        out.println("Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")");
        String dpdk;
        try {
            Shim.requireCompatibleAbi();
            dpdk = Shim.dpdkVersion();
        } catch (RuntimeException | LinkageError e) {
            dpdk = "DPDK not available: " + e.getMessage();
        }
        out.println(dpdk);
        return 0;
    }
}
