package io.vmqos.cli;

import picocli.CommandLine.Command;

/**
 * {@code vmqos fleet ...}: this host and its VMs in a fleet's OpenStack Placement, and a VM's needs in Nova's terms, so
 * that a cloud's own scheduler places it where its reservations fit (README, "Fleets: OpenStack Placement"). One class
 * per subcommand; the lab adds {@code fleet simulate} (see {@link CliExtension}).
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "Publish this host's deadline bandwidth into OpenStack Placement, place VMs by it, and print the Nova flavor that asks for it.",
        subcommands = {FleetPublishCommand.class, FleetPlaceCommand.class, FleetReleaseCommand.class, FleetFlavorCommand.class})
final class FleetCommand {
}
