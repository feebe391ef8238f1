package io.vmqos.cli;

import io.vmqos.analysis.fleet.FleetRequest;
import io.vmqos.core.Durations;
import io.vmqos.core.StageKind;
import io.vmqos.core.StageReservation;
import io.vmqos.core.VmPlan;
import io.vmqos.core.config.VmFile;
import io.vmqos.core.fleet.ResourceClasses;
import io.vmqos.core.fleet.ResourceRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vmqos fleet flavor -f vm.yaml}: the Nova flavor extra specs that make Nova's scheduler ask Placement for the
 * VM's deadline bandwidth on a vmqos host ({@code resources:CUSTOM_VMQOS_DL_BANDWIDTH=N},
 * {@code trait:CUSTOM_VMQOS_DEADLINE=required}), and the bound its reservations guarantee. VCPU and MEMORY_MB are not
 * extra specs: Nova asks for them from the flavor's own {@code vcpus} and {@code ram}, so the file's {@code vcpus} and
 * {@code memoryMb} go to {@code openstack flavor create}. Changes nothing. Exit 0; 1 when no reservations meet its SLA;
 * 2 for a bad file.
 */
@Command(name = "flavor", mixinStandardHelpOptions = true,
        description = "Print the Nova flavor (extra specs) that asks Placement for this VM's deadline bandwidth.")
final class FleetFlavorCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin FleetVm vmFile;
    @Option(names = "--flavor", paramLabel = "NAME", description = "The flavor's name in the commands printed (default: the VM's name).") String flavor;
    @Option(names = "--json", description = "Print the extra specs and reservations as JSON.") boolean json;

    /** The JSON answer. */
    record FlavorJson(String vm, String flavor, Map<String, String> extraSpecs, int vcpus, long memoryMb, long dlBandwidthMicroCpus,
                      List<StageJson> reservations, Long delayBoundNs, List<String> commands) {}

    record StageJson(String stage, int threads, String reservation, double cpusEach, long guaranteedRatePps, long latencyNs) {}

    @Override
    public Integer call() {
        VmFile vm = vmFile.read();
        FleetRequest.Sized sized = vmFile.size(vm);
        String name = flavor == null ? vm.vm().name() : flavor;
        Map<String, String> specs = extraSpecs(sized.request());
        List<String> commands = commands(name, specs, sized.request());
        PrintWriter out = spec.commandLine().getOut();
        VmPlan plan = sized.plan();
        if (json) {
            List<StageJson> stages = new ArrayList<>();
            for (StageReservation s : plan.stages()) {
                stages.add(new StageJson(stage(s.stage()), s.threads(), s.reservation().toString(), s.reservation().bandwidth().cpus(), s.guaranteedRatePps(), s.latencyNs()));
            }
            Json.print(out, new FlavorJson(vm.vm().name(), name, specs, vm.vcpus(), vm.memoryMb(), sized.request().dlBandwidthMicroCpus(), stages,
                    plan.delayBoundNs() < 0 ? null : plan.delayBoundNs(), commands));
            return Main.DONE;
        }
        out.println("vm " + vm.vm().name() + " reserves " + String.join(", ", plan.stages().stream().map(FleetFlavorCommand::describe).toList())
                + ": " + plan.bandwidth().percent() + " of a CPU in all, asked as " + sized.request().dlBandwidthMicroCpus() + " millionths");
        if (plan.delayBoundNs() >= 0) {
            out.println("guaranteed within its SLA (" + plan.sla().ratePps() + " pps of " + plan.sla().packetBytes() + " B, burst " + plan.sla().burstPackets()
                    + "): delay at most " + Durations.format(plan.delayBoundNs()) + " (SLA " + Durations.format(plan.sla().latencyBoundNs()) + "), backlog at most "
                    + plan.backlogBoundPackets() + " packets");
        } else {
            out.println("explicit reservations only: no SLA is sized, so no bound is stated");
        }
        out.println();
        for (String c : commands) out.println(c);
        out.println();
        out.println("Nova then asks Placement for these besides the flavor's VCPU and MEMORY_MB; the host's vmqos agent publishes the");
        out.println("inventory (fleet publish) and reserves the VM's threads when libvirt starts it (the hook admits it first).");
        out.flush();
        return Main.DONE;
    }

    /** The flavor extra specs of {@code r}: its deadline bandwidth and the trait of a vmqos host. */
    static Map<String, String> extraSpecs(ResourceRequest r) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("resources:" + ResourceClasses.DL_BANDWIDTH, Long.toString(r.dlBandwidthMicroCpus()));
        m.put("trait:" + ResourceClasses.TRAIT_DEADLINE, "required");
        return m;
    }

    /** {@code openstack flavor create} (when the file gives vcpus and memory) and {@code openstack flavor set}. */
    static List<String> commands(String flavor, Map<String, String> specs, ResourceRequest r) {
        List<String> out = new ArrayList<>();
        if (r.vcpus() > 0 && r.memoryMb() > 0) out.add("openstack flavor create " + flavor + " --vcpus " + r.vcpus() + " --ram " + r.memoryMb() + " --disk 0");
        StringBuilder set = new StringBuilder("openstack flavor set " + flavor);
        specs.forEach((k, v) -> set.append(" --property ").append(k).append('=').append(v));
        out.add(set.toString());
        return out;
    }

    private static String describe(StageReservation s) {
        return stage(s.stage()) + " " + (s.threads() > 1 ? s.threads() + " × " : "") + s.reservation() + " (" + s.reservation().bandwidth().percent() + ")";
    }

    private static String stage(StageKind k) { return k.name().toLowerCase(Locale.ROOT); }
}
