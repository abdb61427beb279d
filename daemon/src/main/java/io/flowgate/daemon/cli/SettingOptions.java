package io.flowgate.daemon.cli;

import io.flowgate.daemon.config.Setting;
import io.flowgate.daemon.config.Settings;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import picocli.CommandLine;

/**
 * Command-line options made from settings of {@link Settings}: a setting's declaration gives its
 * option the names, the value's label, the help and the default shown. Options, not annotated
 * fields, so that a setting is named in one place; picocli converts numbers and file names as it
 * does for annotated options (and refuses a bad one with exit status 2).
 */
abstract class SettingOptions implements CommandLine.IModelTransformer {
    /** The settings this command takes. */
    abstract List<Setting<?>> settings();

    @Override
    public CommandLine.Model.CommandSpec transform(final CommandLine.Model.CommandSpec command) {
        for (Setting<?> setting : settings()) {
            command.addOption(CommandLine.Model.OptionSpec.builder(setting.options().toArray(new String[0]))
                    .paramLabel(setting.label()).type(setting.kind().type)
                    .description(setting.help() + (setting.defaultText() == null ? ""
                            : " (default: " + setting.defaultText() + ")")).build());
        }
        return command;
    }

    /** The settings given on a parsed command line, as picocli converted them. */
    static Map<Setting<?>, Object> given(final CommandLine.Model.CommandSpec command, final List<Setting<?>> settings) {
        final Map<Setting<?>, Object> given = new HashMap<>();
        for (Setting<?> setting : settings) {
            final Object value = command.findOption(setting.options().getFirst()).getValue();
            if (value != null) {
                given.put(setting, value);
            }
        }
        return given;
    }

    /** {@code flowgate run}: every setting given at start. */
    static final class Run extends SettingOptions {
        @Override
        List<Setting<?>> settings() {
            return Settings.atStart();
        }
    }

    /** {@code flowgate replay}: the settings of the datapath that a replay can change. */
    static final class Replay extends SettingOptions {
        static final List<Setting<?>> SETTINGS = List.of(Settings.EMC_INSERT_INV_PROB, Settings.DPDK_ARGS);

        @Override
        List<Setting<?>> settings() {
            return SETTINGS;
        }
    }
}
