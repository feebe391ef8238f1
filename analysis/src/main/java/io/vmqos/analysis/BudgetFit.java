package io.vmqos.analysis;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.HostPlan;
import io.vmqos.core.RootDomain;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.desired.AdaptiveBounds;
import io.vmqos.core.desired.DesiredThread;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The adaptive budgets the agent asks for ({@link PlanHints#budgets}), as the policy grants them. Pure.
 *
 * <p>A thread of an {@code adaptive} VM planned at its floor (the sized or explicit reservation: what admission counts
 * and what keeps the stated bound) gets the runtime the agent asks for, within {@code [floor, ceiling]} (the ceiling:
 * {@link VmConfig#ceilingCpus} of the floor's share, and never past the deadline). What it gets above the floor, its
 * extra, comes out of the headroom the floors leave: per root domain what the plan has left after the host reserve,
 * what others hold and every admitted floor; per CPU, for a pinned thread, the CPU's capacity after the reserve, what
 * others hold there and the densities pinned to it. When the extras asked exceed a headroom, each is scaled by the same
 * factor, so admission of a new VM (whose floor takes headroom) shrinks the extras and never the floors, and the kernel
 * is never asked for more than its capacity.
 */
final class BudgetFit {
    private BudgetFit() {}

    /** A thread asked for more than its floor. */
    private record Ask(int index, DesiredThread thread, long floorNs, long extraNs, String bin) {}

    /** The threads with the extras granted (in the same order), and every adaptive thread's bounds. */
    record Granted(List<DesiredThread> threads, List<AdaptiveBounds> bounds) {}

    /**
     * @param threads the desired threads at their floors
     * @param domainOf each planned VM thread's root domain (by tid)
     */
    static Granted grant(List<DesiredThread> threads, HostConfig cfg, PlanHints hints, HostCapacity capacity, HostPlan plan,
                         Map<Integer, String> domainOf) {
        List<Ask> asks = new ArrayList<>();
        List<AdaptiveBounds> bounds = new ArrayList<>();
        Map<String, CpuBandwidth> headroom = new HashMap<>();
        for (int i = 0; i < threads.size(); i++) {
            DesiredThread t = threads.get(i);
            Optional<VmConfig> vm = t.vms().size() == 1 ? cfg.vm(t.vms().getFirst()) : Optional.empty();
            String domain = domainOf.get(t.tid());
            if (vm.isEmpty() || !vm.get().adaptive() || !t.attrs().isDeadline() || domain == null) continue;
            long floor = t.attrs().runtimeNs();
            long ceiling = ceilingNs(vm.get(), t.attrs());
            bounds.add(new AdaptiveBounds(t.tid(), vm.get().name(), t.label(), floor, ceiling, t.attrs().periodNs(),
                    t.attrs().reclaims()));
            Long want = hints.budgets().get(t.tid());
            long extra = want == null ? 0 : Math.clamp(want, floor, ceiling) - floor;
            if (extra > 0) asks.add(new Ask(i, t, floor, extra, t.pinned() ? "cpu " + t.cpu() : "domain " + domain));
        }
        if (asks.isEmpty()) return new Granted(threads, bounds);
        for (RootDomain d : capacity.rootDomains()) {
            headroom.put("domain " + d.name(), plan.remainingPerRootDomain().getOrDefault(d.name(), CpuBandwidth.ZERO));
            CpuBandwidth perCpu = d.perCpuCapacity().minus(capacity.reserveOf(d.perCpuCapacity()));
            for (int cpu : d.cpus()) headroom.put("cpu " + cpu, perCpu.minus(d.heldPerCpu().getOrDefault(cpu, CpuBandwidth.ZERO)));
        }
        for (DesiredThread t : threads) {
            if (t.pinned() && t.attrs().isDeadline()) headroom.merge("cpu " + t.cpu(), t.attrs().reservation().density().times(-1), CpuBandwidth::plus);
        }
        Map<String, CpuBandwidth> asked = new HashMap<>();
        for (Ask a : asks) asked.merge(a.bin(), extraBandwidth(a), CpuBandwidth::plus);
        List<DesiredThread> out = new ArrayList<>(threads);
        for (Ask a : asks) {
            CpuBandwidth room = headroom.getOrDefault(a.bin(), CpuBandwidth.ZERO).max(CpuBandwidth.ZERO);
            CpuBandwidth want = asked.get(a.bin());
            double f = want.exceeds(room) ? room.kernelUnits() / (double) want.kernelUnits() : 1.0;
            long extra = (long) Math.floor(a.extraNs() * f);
            if (extra <= 0) continue;
            SchedAttributes at = a.thread().attrs();
            SchedAttributes granted = new SchedAttributes(at.policy(), at.flags(), at.nice(), at.priority(), a.floorNs() + extra, at.deadlineNs(), at.periodNs());
            DesiredThread t = a.thread();
            out.set(a.index(), new DesiredThread(t.tid(), t.pid(), t.vms(), t.label(), granted, t.cpu()));
        }
        return new Granted(List.copyOf(out), bounds);
    }

    /** The most runtime an adaptive thread at {@code floor} may hold: its VM's ceiling share of the period, within the deadline. */
    static long ceilingNs(VmConfig vm, SchedAttributes floor) {
        double share = vm.ceilingCpus(floor.bandwidth().cpus());
        return Math.max(floor.runtimeNs(), Math.min(floor.deadlineNs(), (long) Math.floor(share * floor.periodNs())));
    }

    /** What an extra costs its bin: a bandwidth over the period in a root domain, a density over the deadline on a CPU. */
    private static CpuBandwidth extraBandwidth(Ask a) {
        SchedAttributes at = a.thread().attrs();
        return a.thread().pinned() ? CpuBandwidth.ofDensity(a.extraNs(), Math.min(at.deadlineNs(), at.periodNs()))
                : CpuBandwidth.ofRuntime(a.extraNs(), at.periodNs());
    }
}
