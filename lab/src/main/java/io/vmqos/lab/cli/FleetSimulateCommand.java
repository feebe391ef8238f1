package io.vmqos.lab.cli;

import io.vmqos.cli.Main;
import io.vmqos.core.CostModel;
import io.vmqos.core.InvalidInputException;
import io.vmqos.host.config.CostModelFile;
import io.vmqos.lab.fleet.Fleet;
import io.vmqos.lab.fleet.FleetReport;
import io.vmqos.lab.fleet.FleetResult;
import io.vmqos.lab.fleet.FleetSimulation;
import io.vmqos.lab.fleet.InMemoryFleet;
import io.vmqos.lab.fleet.PlacementHttpFleet;
import io.vmqos.lab.fleet.SimCostModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code vmqos fleet simulate}: the fleet simulation ({@link FleetSimulation}) against a Placement on this machine, or in
 * memory without {@code --placement}; prints the summary and writes the report. The Placement must hold no other
 * vmqos fleet (the hosts' providers are created).
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Register synthetic hosts (8/16/32/64 CPUs, one in four partitioned) in a Placement, place VMs with SLAs drawn from a "
                + "seeded mix through it, and compare the CPU vmqos reserves with dedicated cores, vCPU packing x4 and lean reservations.",
                "Writes results.json, fleet.png and index.html to --out."})
public final class FleetSimulateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--hosts", defaultValue = "200", description = "Synthetic hosts (default: ${DEFAULT-VALUE}).") int hosts;
    @Option(names = "--vms", defaultValue = "2000", description = "VMs to place (default: ${DEFAULT-VALUE}).") int vms;
    @Option(names = "--placement", paramLabel = "URL", description = "OpenStack Placement on this machine, e.g. http://127.0.0.1:8778 (noauth2); default: in memory.") URI placement;
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the VM mix (default: ${DEFAULT-VALUE}).") long seed;
    @Option(names = "--cost-model", paramLabel = "FILE", description = "Cost model to size every VM with (default: the KVM-like model the README states).") Path costModel;
    @Option(names = "--out", defaultValue = "fleet-report", paramLabel = "DIR", description = "Report directory (default: ${DEFAULT-VALUE}).") Path out;

    @Override
    public Integer call() throws IOException {
        if (hosts < 1 || hosts > 100_000) throw new InvalidInputException("--hosts", hosts + " is not a fleet size", "give 1..100000 hosts");
        if (vms < 1 || vms > 1_000_000) throw new InvalidInputException("--vms", vms + " is not a number of VMs", "give 1..1000000 VMs");
        CostModel costs = costModel == null ? SimCostModel.KVM : CostModelFile.read(costModel).model();
        String costName = costModel == null ? "KVM-like (napi 0.8, io 2, vcpu 3 us/packet)" : costModel.toString();
        Fleet fleet = placement == null ? new InMemoryFleet() : new PlacementHttpFleet(placement);
        FleetResult r = FleetSimulation.run(fleet, placement == null ? "in-memory" : "Placement " + placement,
                new FleetSimulation.Options(hosts, vms, seed, costs, costName));
        PrintWriter w = spec.commandLine().getOut();
        FleetReport.print(w, r);
        w.println("report: " + FleetReport.write(out, r));
        w.flush();
        return Main.DONE;
    }
}
