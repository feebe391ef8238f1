package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.fleet.ResourceRequest;
import io.vmqos.core.config.VmFile;
import io.vmqos.placement.Placer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code vmqos fleet place -f vm.yaml --placement URL}: sizes the VM with {@code plan}'s analysis
 * ({@link FleetRequests}), claims the first host that fits ({@link Placer}) and prints it. Exit 0 placed; 1 nothing
 * fits (saying the largest request any host could take) or Placement failed; 2 bad input. Nothing is claimed on
 * failure.
 */
@Command(name = "place", mixinStandardHelpOptions = true,
        description = "Size one VM (vm.yaml: one vms[] entry of host.yaml) and claim a host for it in OpenStack Placement.")
final class FleetPlaceCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin FleetVm vmFile;
    @Option(names = "--cost-model", paramLabel = "COSTS.YAML", description = "Cost model to size an SLA with (vmqos calibrate); default: the file's costModel.") Path costModel;
    @Mixin PlacementOptions placement;
    @Option(names = "--vcpus", paramLabel = "N", defaultValue = "0", description = "VCPU to claim too (and vCPU threads to size), 0: the file's vcpus.") int vcpus;
    @Option(names = "--memory-mb", paramLabel = "M", defaultValue = "0", description = "MEMORY_MB to claim too, 0: the file's memoryMb.") long memoryMb;
    @Option(names = "--consumer", paramLabel = "UUID", description = "The consumer to claim for (default: a new random UUID).") String consumer;
    @Option(names = "--json", description = "Print the claim as JSON.") boolean json;

    @Override
    public Integer call() {
        if (vcpus < 0) throw new InvalidInputException("--vcpus", "must not be negative", "give 0 or more");
        if (memoryMb < 0) throw new InvalidInputException("--memory-mb", "must not be negative", "give 0 or more MiB");
        UUID id;
        try {
            id = consumer == null ? UUID.randomUUID() : UUID.fromString(consumer);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("--consumer", "'" + consumer + "' is not a UUID", "give one like 6f1c0b4e-8d1a-4f3e-9c2b-1a2b3c4d5e6f (libvirt's domain UUID)");
        }
        VmFile f = vmFile.read();
        f = new VmFile(f.vm(), costModel != null ? Optional.of(costModel.toAbsolutePath().normalize().toString()) : f.costModelPath(),
                vcpus > 0 ? vcpus : f.vcpus(), memoryMb > 0 ? memoryMb : f.memoryMb());
        VmConfig vm = f.vm();
        ResourceRequest request = vmFile.size(f).request();
        int vcpus = request.vcpus();
        long memoryMb = request.memoryMb();
        Placer placer = new Placer(placement.client(Optional.empty()));
        PrintWriter out = spec.commandLine().getOut();
        try {
            Placer.Claim c = placer.place(id, request);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("consumer", c.consumer().toString());
                m.put("host", c.host());
                m.put("provider", c.provider());
                m.put("dlBandwidthMicroCpus", c.microCpus());
                m.put("attempts", c.attempts());
                Json.print(out, m);
            } else {
                out.println(c.host());
                out.println("  vm " + vm.name() + " (consumer " + c.consumer() + ") claimed " + c.microCpus() + " CUSTOM_VMQOS_DL_BANDWIDTH on " + c.provider()
                        + (vcpus > 0 ? ", VCPU " + vcpus : "") + (memoryMb > 0 ? ", MEMORY_MB " + memoryMb : ""));
            }
            out.flush();
            return Main.DONE;
        } catch (Placer.NoRoomException e) {
            if (json) {
                Json.print(out, Map.of("refused", e.getMessage(), "largestDlBandwidthMicroCpus", e.largestMicroCpus()));
                out.flush();
            }
            throw new CommandFailedException(Main.REFUSED, "vm " + vm.name() + ": " + e.getMessage());
        }
    }
}
