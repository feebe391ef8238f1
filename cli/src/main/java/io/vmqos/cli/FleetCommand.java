package io.vmqos.cli;

import picocli.CommandLine.Command;

/**
 * {@code vmqos fleet ...}: this host and its VMs in a fleet's OpenStack Placement. Subcommands are listed here, one
 * class each.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "Publish this host's deadline bandwidth into OpenStack Placement and place VMs by it.",
        subcommands = {FleetPublishCommand.class, FleetPlaceCommand.class, FleetReleaseCommand.class})
final class FleetCommand {
}
