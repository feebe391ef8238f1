package io.vmqos.cli;

import picocli.CommandLine.Command;

/**
 * {@code vmqos fleet ...}: a VM's needs in OpenStack's terms, so that a cloud's own scheduler places it where its
 * reservations fit (README, "Fleets: OpenStack Placement"). The lab adds {@code fleet simulate} (see {@link CliExtension}).
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "Place VMs by reservable deadline bandwidth through OpenStack Placement and Nova.",
        subcommands = {FleetFlavorCommand.class})
final class FleetCommand {
}
