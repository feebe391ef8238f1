package io.vmqos.cli;

import io.vmqos.analysis.ExplicitPolicy;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.service.HostService;
import io.vmqos.host.service.Scopes;
import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.Owner;
import io.vmqos.linux.SchedException;
import io.vmqos.linux.net.TapDiscovery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code vmqos vm ...}: reservations on a QEMU VM's threads by role. */
@Command(name = "vm", mixinStandardHelpOptions = true, description = "Reserve, release and show a QEMU VM's threads by role.",
        subcommands = {VmCommand.Reserve.class, VmCommand.Release.class, VmCommand.Show.class, VmCalibrateCommand.class})
final class VmCommand {

    @Command(name = "reserve", mixinStandardHelpOptions = true,
            description = "Reserve the VM's vCPU threads (--vcpu), main loop and iothreads (--io) and vhost workers (--vhost), all or nothing.")
    static final class Reserve implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin VmTarget target;
        @Option(names = "--vcpu", required = true, paramLabel = "Q/P", description = "Reservation of each vCPU thread, e.g. 2ms/10ms.") String vcpu;
        @Option(names = "--io", required = true, paramLabel = "Q/P", description = "Reservation of the main loop and each iothread.") String io;
        @Option(names = "--vhost", paramLabel = "Q/P", description = "Reservation of each vhost worker (default: as --io).") String vhost;
        @Option(names = "--napi", paramLabel = "Q/P", description = "Also turn threaded NAPI on along the VM's network path and reserve "
                + "each NAPI (and threaded IRQ) thread on it, e.g. 500us/10ms; one reservation per thread however many VMs share it.") String napi;
        @Option(names = "--shape", paramLabel = "RATE[,CEIL[,BURST]]", description = "Shape traffic towards the VM on its tap with tc HTB, "
                + "e.g. 100mbit,200mbit,15k (CEIL defaults to RATE, BURST to 15k).") String shape;
        @Option(names = "--shape-ingress", paramLabel = "RATE[,CEIL[,BURST]]", description = "Shape traffic from the VM (tap ingress, via an ifb).") String shapeIngress;
        @Option(names = "--steer-irqs", description = "Move the path's NIC IRQs that may run outside the VM's CPUs (its cpuset) onto them; "
                + "put back on release. Without it vmqos only warns.") boolean steerIrqs;
        @Option(names = "--reclaim", description = {"Let the reserved threads reclaim unused bandwidth (SCHED_FLAG_RECLAIM).",
                "Only through a running vmqos agent, which holds each of them to twice its reservation (at most one CPU); refused without one."}) boolean reclaim;
        @Mixin CommonOptions common;
        @Mixin LockOptions lock;

        @Override
        public Integer call() {
            // through a running agent (which holds each of the VM's reclaiming threads to twice its reservation), or refused
            if (reclaim && !Agents.IN_AGENT.get()) {
                throw Reclaim.unbounded("--reclaim", "start vmqos agent, which runs vm reserve --reclaim and holds each reclaiming thread to twice its "
                        + "reservation; or give the VM reclaim: true (and reclaimCeiling) in the host.yaml that vmqos agent -f keeps");
            }
            Host host = Host.open(common);
            var limits = host.limits();
            Reservation v = Reservation.parse("--vcpu", vcpu).validate("--vcpu", limits);
            Reservation i = Reservation.parse("--io", io).validate("--io", limits);
            Reservation h = vhost == null ? null : Reservation.parse("--vhost", vhost).validate("--vhost", limits);
            Reservation n = napi == null ? null : Reservation.parse("--napi", napi).validate("--napi", limits);
            ExplicitPolicy.Request req = new ExplicitPolicy.Request(v, i, h, n, Optional.ofNullable(PathOptions.parseShape("--shape", shape)),
                    Optional.ofNullable(PathOptions.parseShape("--shape-ingress", shapeIngress)), steerIrqs, reclaim);
            HostService.Outcome o;
            try (var held = lock.acquire(spec)) {
                VmThreads vm = target.discover();
                String key = keyOf(vm);
                HostService service = host.service(LockOptions.what(spec), lock.wait(spec));
                boolean pathWork = n != null || req.egress().isPresent() || req.ingress().isPresent() || steerIrqs;
                if (pathWork) new TapDiscovery().requireTaps(vm.pid(), vm.name());
                o = service.reconcile(Scopes.vm(key), r -> ExplicitPolicy.desired(service.observer().observe(key, vm), req),
                        () -> List.of(new HostRecord.VmEntry(new Owner(Scopes.vm(key), key), vm.pid(), host.proc().startTime(vm.pid()).orElse(-1L),
                                vm.source() == VmThreads.Source.QMP ? "qmp" : "pid " + vm.pid())));
            }
            Reports.printOutcome(spec.commandLine().getOut(), o, common.json, "reserved");
            return Main.DONE;
        }
    }

    /** The record's name of a VM: its name, or {@code pid-N} when QEMU has none. */
    static String keyOf(VmThreads vm) { return vm.name() == null || vm.name().isEmpty() ? "pid-" + vm.pid() : vm.name(); }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Put back what vm reserve did (threads, NAPI, IRQs, shaping) and any DEADLINE/real-time thread of the VM; repair the ledger if it leaked.")
    static final class Release implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin VmTarget target;
        @Mixin CommonOptions common;
        @Mixin LockOptions lock;

        @Override
        public Integer call() {
            Host host = Host.open(common);
            HostService.Outcome o;
            try (var held = lock.acquire(spec)) {
                VmThreads vm = target.discover();
                HostService service = host.service(LockOptions.what(spec), lock.wait(spec));
                o = service.release(Scopes.vm(keyOf(vm)));
                List<Integer> tids = vm.threads().stream().map(VmThread::tid).toList();
                o = ReleaseCommand.merge(o, service.releaseThreads(tids, true));
                if (o.threads().isEmpty()) o = ReleaseCommand.withRepair(o, host.reserver().release(List.of()));
            }
            Reports.printOutcome(spec.commandLine().getOut(), o, common.json, "released");
            return Main.DONE;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "List the VM's threads by role with their policy, reservation and CPU use.")
    static final class Show implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin VmTarget target;
        @Option(names = "--sample", defaultValue = "500ms", paramLabel = "DURATION",
                description = "How long to sample CPU use (default: ${DEFAULT-VALUE}).") String sample;
        @Mixin CommonOptions common;

        /** One thread of the VM with its role and CPU use (share of one CPU over the sample). */
        record VmThreadView(String role, String name, int tid, String policy, String params, double bandwidth,
                            double cpuUse, long cpuTimeNs) {}

        @Override
        public Integer call() throws InterruptedException {
            long sampleNs = io.vmqos.core.Durations.parseNanos("--sample", sample);
            Host host = Host.open(common);
            VmThreads vm = target.discover();
            Map<Integer, Long> c0 = new HashMap<>();
            for (VmThread t : vm.threads()) c0.put(t.tid(), host.proc().cpuTimeNs(t.tid()));
            long w0 = System.nanoTime();
            Thread.sleep(Math.max(1, sampleNs / 1_000_000));
            long w = System.nanoTime() - w0;
            List<VmThreadView> views = new ArrayList<>();
            for (VmThread t : vm.threads()) {
                long c1 = host.proc().cpuTimeNs(t.tid());
                SchedAttributes a;
                try { a = host.scheduler().get(t.tid()); } catch (SchedException.ThreadGone gone) { continue; }
                ThreadView tv = ThreadView.of(t.tid(), t.name(), a, t.role().name());
                views.add(new VmThreadView(t.role().name(), t.name(), t.tid(), a.policy().name(), tv.describe(), tv.bandwidth(),
                        c1 < 0 ? 0 : (double) (c1 - c0.get(t.tid())) / w, c1));
            }
            PrintWriter out = spec.commandLine().getOut();
            io.vmqos.host.state.HostRecord record = Host.store().read().record();
            VmNetworkView network = VmNetworkView.of(vm, host, record);
            List<String> names = new ArrayList<>(); // the agent knows a VM by its configuration name
            record.vms().stream().filter(e -> e.pid() == vm.pid()).forEach(e -> names.add(e.owner().vm()));
            if (!names.contains(vm.name())) names.add(vm.name());
            SlaWatchView sla = SlaWatchView.ask(names);
            if (common.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("pid", vm.pid());
                m.put("name", vm.name());
                m.put("source", vm.source().toString());
                m.put("threads", views);
                m.put("network", network.json());
                m.put("slaWatch", sla);
                Json.print(out, m);
                return Main.DONE;
            }
            out.printf("VM %s (pid %d, found via %s)%n", vm.name(), vm.pid(), vm.source());
            out.printf("%-10s %-18s %-8s %-9s %-22s %-9s %s%n", "ROLE", "NAME", "TID", "POLICY", "PARAMS", "RESERVED", "CPU USE");
            for (VmThreadView v : views) {
                out.printf("%-10s %-18s %-8d %-9s %-22s %-9s %.1f%%%n", v.role(), v.name(), v.tid(), v.policy(), v.params(),
                        v.policy().equals("DEADLINE") ? String.format("%.1f%%", v.bandwidth() * 100) : "-", v.cpuUse() * 100);
            }
            network.print(out);
            sla.print(out);
            out.flush();
            return Main.DONE;
        }
    }
}
