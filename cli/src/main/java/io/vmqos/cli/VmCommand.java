package io.vmqos.cli;

import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.ThreadChange;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.ApplyReport;
import io.vmqos.host.PathRequest;
import io.vmqos.host.PathThreadSizing;
import io.vmqos.host.PathTransaction;
import io.vmqos.host.VmReservationPlan;
import io.vmqos.linux.SchedException;
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
import java.util.concurrent.Callable;

/** {@code vmqos vm ...}: reservations on a QEMU VM's threads by role. */
@Command(name = "vm", mixinStandardHelpOptions = true, description = "Reserve, release and show a QEMU VM's threads by role.",
        subcommands = {VmCommand.Reserve.class, VmCommand.Release.class, VmCommand.Show.class})
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
        @Mixin PathOptions path;
        @Mixin CommonOptions common;
        @Mixin LockOptions lock;

        @Override
        public Integer call() {
            Host host = Host.open(common);
            var limits = host.limits();
            Reservation v = Reservation.parse("--vcpu", vcpu).validate("--vcpu", limits);
            Reservation i = Reservation.parse("--io", io).validate("--io", limits);
            Reservation h = vhost == null ? null : Reservation.parse("--vhost", vhost).validate("--vhost", limits);
            try (var held = lock.acquire(spec)) {
                return reserve(host, v, i, h);
            }
        }

        private int reserve(Host host, Reservation v, Reservation i, Reservation h) {
            var limits = host.limits();
            VmThreads vm = target.discover();
            List<ThreadChange> changes = VmReservationPlan.reserve(vm, new VmReservationPlan.RoleReservations(v, i, h));
            if (napi != null || shape != null || shapeIngress != null || steerIrqs) {
                Reservation n = napi == null ? null : Reservation.parse("--napi", napi).validate("--napi", limits);
                var req = new PathRequest(n == null ? null : PathThreadSizing.explicit(n),
                        PathOptions.parseShape("--shape", shape), PathOptions.parseShape("--shape-ingress", shapeIngress), steerIrqs);
                var r = host.pathTransaction(path.store()).apply(vm, changes, req);
                PathViews.printApply(spec.commandLine().getOut(), r, common.json, host.scheduler());
                return Main.DONE;
            }
            ApplyReport report = host.reserver().apply(changes);
            Reports.printApply(spec.commandLine().getOut(), report, common.json, "reserved");
            return Main.DONE;
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Put the VM's DEADLINE/real-time threads back to SCHED_OTHER; repair the ledger if it leaked.")
    static final class Release implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin VmTarget target;
        @Mixin PathOptions path;
        @Mixin CommonOptions common;
        @Mixin LockOptions lock;

        @Override
        public Integer call() {
            Host host = Host.open(common);
            try (var held = lock.acquire(spec)) {
                return release(host);
            }
        }

        private int release(Host host) {
            VmThreads vm = target.discover();
            var store = path.store();
            if (store.read().vms().containsKey(PathTransaction.keyOf(vm))) {
                var r = host.pathTransaction(store).release(vm);
                PathViews.printRelease(spec.commandLine().getOut(), r, common.json);
                return r.problems().isEmpty() ? Main.DONE : Main.REFUSED;
            }
            ApplyReport report = host.reserver().release(VmReservationPlan.release(vm, host.scheduler()));
            Reports.printApply(spec.commandLine().getOut(), report, common.json, "released");
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
        @Mixin PathOptions path;
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
            VmNetworkView network = VmNetworkView.of(vm, host, path.store());
            if (common.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("pid", vm.pid());
                m.put("name", vm.name());
                m.put("source", vm.source().toString());
                m.put("threads", views);
                m.put("network", network.json());
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
            out.flush();
            return Main.DONE;
        }
    }
}
