package io.vmqos.cli;

import io.vmqos.analysis.fleet.FleetRequest;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmFile;
import io.vmqos.host.config.CostModelFile;
import io.vmqos.host.config.VmFileParser;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code -f/--file vm.yaml}: one VM to place, read strictly and sized as {@code plan} sizes it. A fleet's hosts are not
 * this one, so it is checked against the kernel's default DEADLINE period limits ({@link KernelLimits#DEFAULT}) and sized
 * with the default per-activation overhead.
 */
final class FleetVm {
    @Option(names = {"-f", "--file"}, required = true, paramLabel = "VM.YAML",
            description = "The VM: a host.yaml vms[] entry's name, sla, reservations, plus costModel, vcpus, memoryMb (see README).")
    Path file;

    /** The file, read; a located ConfigException (exit 2) for anything wrong in it. */
    VmFile read() { return new VmFileParser(KernelLimits.DEFAULT).read(file); }

    /** Its reservations and request; a FleetRefusedException (exit 1) when no reservations meet its SLA. */
    FleetRequest.Sized size(VmFile vm) {
        return new FleetRequest(KernelLimits.DEFAULT, HostConfig.DEFAULT_OVERHEAD_NS)
                .size(vm, vm.costModelPath().map(p -> CostModelFile.read(Path.of(p)).model()));
    }
}
