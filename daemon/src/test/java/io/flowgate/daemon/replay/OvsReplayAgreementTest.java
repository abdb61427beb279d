package io.flowgate.daemon.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowgate.daemon.cli.FlowgateCommand;
import io.flowgate.daemon.testing.Pcaps;
import io.flowgate.fastpath.testing.TestResources;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code flowgate replay} transmits, on every port, exactly the packets real Open vSwitch 3.1
 * transmitted for the same rules and input (recorded by {@code oracle/replay/make.py}).
 */
class OvsReplayAgreementTest {
    @TempDir
    Path tmp;

    static String[] replay(final List<String> args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final var cl = FlowgateCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int status = cl.execute(args.toArray(new String[0]));
        return new String[] {Integer.toString(status), out.toString(), err.toString()};
    }

    @ParameterizedTest
    @ValueSource(strings = {"l3-routing", "acl", "vlan", "ipv6", "rewrite-groups"})
    void everyPortTransmitsWhatOvsTransmitted(final String scenario) throws IOException {
        final Path dir = TestResources.path("oracle/replay/scenarios/" + scenario);
        final List<String> args = new ArrayList<>(List.of("replay", "--no-progress", "--flows",
                dir.resolve("flows.txt").toString()));
        if (Files.exists(dir.resolve("groups.txt"))) {
            args.add("--groups");
            args.add(dir.resolve("groups.txt").toString());
        }
        for (int port = 1; port <= 9; port++) {
            if (Files.exists(dir.resolve("in-" + port + ".pcap"))) {
                args.add("--in");
                args.add(port + "=" + dir.resolve("in-" + port + ".pcap"));
            }
            args.add("--out");
            args.add(port + "=" + tmp.resolve("out-" + port + ".pcap"));
        }
        final String[] r = replay(args);
        assertEquals("0", r[0], r[2]);
        int compared = 0;
        for (int port = 1; port <= 9; port++) {
            final List<String> expected = Pcaps.packets(dir.resolve("expected-" + port + ".pcap"));
            final List<String> actual = Pcaps.packets(tmp.resolve("out-" + port + ".pcap"));
            assertEquals(expected, actual, "port " + port + " of " + scenario + "\n" + r[1]);
            compared += expected.size();
        }
        assertTrue(compared > 0, "the scenario transmits something");
    }

    @org.junit.jupiter.api.Test
    void tenThousandUdpFlowsThroughTheAclInstallNoMoreMegaflowsThanOvs() throws IOException {
        final Path dir = TestResources.path("oracle/replay/scenarios/acl10k");
        final int ovs = Integer.parseInt(Files.readAllLines(dir.resolve("ovs-megaflows.txt")).get(1).strip());
        final String[] r = replay(List.of("replay", "--no-progress", "--json", "--flows",
                dir.resolve("flows.txt").toString(), "--in", "1=" + dir.resolve("in-1.pcap"), "--out",
                "2=" + tmp.resolve("out.pcap")));
        assertEquals("0", r[0], r[2]);
        final var m = java.util.regex.Pattern.compile("\"megaflows_installed\":(\\d+)").matcher(r[1]);
        assertTrue(m.find(), r[1]);
        final int flowgate = Integer.parseInt(m.group(1));
        System.out.println("acl10k megaflows: flowgate " + flowgate + ", ovs " + ovs);
        assertTrue(flowgate <= ovs, "flowgate installed " + flowgate + " megaflows, OVS " + ovs);
        assertTrue(r[1].contains("\"packets_in\":10000"), r[1]);
    }
}
