package io.vmqos.lab.cli;

import io.vmqos.cli.CliExtension;

import java.util.List;

/** The lab's subcommands of {@code vmqos}: {@code demo}, {@code calibrate} and {@code fleet simulate} (see {@link CliExtension}). */
public final class LabCommands implements CliExtension {
    @Override
    public List<Object> subcommands() { return List.of(new DemoCommand(), new CalibrateCommand()); }

    @Override
    public java.util.Map<String, List<Object>> nestedSubcommands() { return java.util.Map.of("fleet", List.of(new FleetSimulateCommand())); }
}
