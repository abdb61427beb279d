package io.flowgate.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flowgate.daemon.cli.FlowgateCommand;
import io.flowgate.daemon.reconfig.OtherConfig;
import io.flowgate.slowpath.lb.ConnTimeouts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/**
 * The settings table is the one place a setting is declared: the command line, the
 * configuration file and config/set take exactly its names, and each default is a value its own
 * parser accepts.
 */
class SettingsTest {
    @TempDir
    Path tmp;

    @Test
    void everyKeyOfTheFileIsAnOptionOfRunAndEveryDefaultReadsBack() {
        final CommandLine.Model.CommandSpec run = FlowgateCommand.commandLine().getSubcommands().get("run")
                .getCommandSpec();
        for (String key : Settings.fileKeys()) {
            assertNotNull(run.findOption("--" + key), "run has --" + key);
        }
        for (Setting<?> s : Settings.ALL) {
            s.defaultValue(); // throws if the declared default is not a value of the setting
        }
        assertEquals(ConnTimeouts.defaults().toString(), Settings.LB_TIMEOUTS.defaultValue().toString());
    }

    @Test
    void configSetTakesTheRunTimeSettingsByOvssNames() {
        assertEquals(Settings.live().stream().map(Setting::ovsName).toList(), OtherConfig.keys());
        assertEquals(4, OtherConfig.parse("n-handler-threads", "4"));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OtherConfig.parse("estimator-nice", "-21"));
        assertEquals("estimator-nice=-21: must be between -20 and 19", e.getMessage());
    }

    @Test
    void theCommandLineWinsOverTheFileWhichWinsOverTheDefault() throws Exception {
        final Path conf = Files.writeString(tmp.resolve("f.conf"), "max-idle = 2500\nn-handler-threads = 3\nflows = r.flows\n");
        final ConfigFile file = ConfigFile.read(conf, Settings.fileKeys());
        final SettingValues v = new SettingValues(Map.of(Settings.MAX_IDLE, 700), file, Path.of("/elsewhere"));
        assertEquals(700, v.get(Settings.MAX_IDLE));
        assertEquals(3, v.get(Settings.HANDLERS), "the file may use OVS's name");
        assertEquals(1, v.get(Settings.REVALIDATORS));
        assertEquals(tmp.resolve("r.flows").toAbsolutePath(), v.get(Settings.FLOWS), "relative to the file");
        assertEquals(Path.of("/elsewhere/run"),
                new SettingValues(Map.of(Settings.RUNDIR, Path.of("run")), null, Path.of("/elsewhere")).get(Settings.RUNDIR),
                "relative to where the command was given");
    }

    @Test
    void aBadValueIsNamedByWhereItWasGivenItsKeyAndItself() throws Exception {
        final Path conf = Files.writeString(tmp.resolve("g.conf"), "# settings\nflow-limit = lots\nvlan-limit = 7\n");
        final SettingValues v = new SettingValues(Map.of(Settings.PMDS, 65), ConfigFile.read(conf, Settings.fileKeys()),
                null);
        assertEquals(conf + ":2: flow-limit must be a whole number, not \"lots\"",
                assertThrows(ConfigException.class, () -> v.get(Settings.FLOW_LIMIT)).getMessage());
        assertEquals(conf + ":3: vlan-limit must be between 1 and 2, not 7",
                assertThrows(ConfigException.class, () -> v.get(Settings.VLAN_LIMIT)).getMessage());
        assertEquals("--pmds: pmds must be between 1 and 64, not 65",
                assertThrows(ConfigException.class, () -> v.get(Settings.PMDS)).getMessage());
    }
}
