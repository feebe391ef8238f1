package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;
import io.vmqos.placement.Placer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code vmqos fleet release --consumer UUID --placement URL}: drops every allocation of the consumer. Idempotent. */
@Command(name = "release", mixinStandardHelpOptions = true, description = "Drop a consumer's allocations in OpenStack Placement (a claim of fleet place).")
final class FleetReleaseCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--consumer", required = true, paramLabel = "UUID", description = "The consumer (fleet place printed it).") String consumer;
    @Mixin PlacementOptions placement;

    @Override
    public Integer call() {
        UUID id;
        try {
            id = UUID.fromString(consumer);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--consumer", "'" + consumer + "' is not a UUID", "give the consumer fleet place printed");
        }
        new Placer(placement.client(Optional.empty())).release(id);
        spec.commandLine().getOut().println("released consumer " + id);
        spec.commandLine().getOut().flush();
        return Main.DONE;
    }
}
