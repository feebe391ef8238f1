package io.vmqos.lab.cli;

import io.vmqos.cli.CliExtension;

import java.util.List;

/** The lab's subcommands of {@code vmqos}: {@code demo} and {@code calibrate} (see {@link CliExtension}). */
public final class LabCommands implements CliExtension {
    @Override
    public List<Object> subcommands() { return List.of(new DemoCommand(), new CalibrateCommand()); }
}
