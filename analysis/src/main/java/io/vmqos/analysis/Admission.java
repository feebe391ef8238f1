package io.vmqos.analysis;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.Placement;
import io.vmqos.core.Refusal.Constraint;
import io.vmqos.core.RootDomain;
import io.vmqos.core.StageReservation;
import io.vmqos.core.VmPlan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * EDF admission control over a host's root domains, mirroring the kernel and adding the schedulability test the
 * kernel does not make. Bandwidths are {@link CpuBandwidth}s; the ledger keeps them internally as kernel units.
 *
 * <p>Two tests, both must pass:
 * <ol>
 *   <li><b>Kernel admission</b> ({@code __dl_overflow} in kernel/sched/deadline.c): per root domain,
 *   {@code Σ to_ratio(P, Q) <= cpus × to_ratio(rt_period, rt_runtime)}; vmqos further keeps back the host reserve
 *   ({@link HostCapacity#reserveOf}) and subtracts what others already hold. Exactly full is admitted, like the
 *   kernel's {@code <}-overflow test. The kernel counts bandwidth Q/P only, even for constrained deadlines.</li>
 *   <li><b>Guarantee</b>: the supply bounds of {@link PeriodicResource} hold only when every job meets its EDF
 *   deadline, which for constrained deadlines needs the density {@code Q/D}:
 *   <ul>
 *     <li>partitioned (threads pinned, first-fit decreasing by density over the domain's CPUs in ascending order):
 *     per CPU, {@code Σ to_ratio(D, Q) <= cap − reserve − others pinned there} (uniprocessor EDF density test,
 *     sufficient for constrained deadlines);</li>
 *     <li>global: the density test of Goossens, Funk &amp; Baruah (2003) for global EDF on m CPUs,
 *     {@code Σ δ <= m − (m − 1)·δ_max}; others' bandwidth counts as density and is assumed no denser than
 *     vmqos's densest thread.</li>
 *   </ul></li>
 * </ol>
 *
 * <p>A mutable ledger of what this plan has admitted so far, for one planning run on one thread; no I/O.
 * {@link #check} does not change it, {@link #admit} does when it admits.
 */
public final class Admission {
    private final HostCapacity host;
    // all bandwidths and densities in kernel units (CpuBandwidth#kernelUnits)
    private final long[] usedBw;        // ours, per domain (index in host.rootDomains())
    private final long[] usedDensity;   // ours, per domain
    private final long[] maxDensity;    // ours, per domain
    private final long[] cpuUsed;       // ours, partitioned, indexed by CPU number
    private final int[][] domainCpus;   // per domain, its CPUs ascending
    private final long[][] domainHeld;  // per domain, others' density per CPU (same order)

    public Admission(HostCapacity host) {
        this.host = host;
        int n = host.rootDomains().size();
        usedBw = new long[n];
        usedDensity = new long[n];
        maxDensity = new long[n];
        domainCpus = new int[n][];
        domainHeld = new long[n][];
        int maxCpu = 0;
        for (int i = 0; i < n; i++) {
            RootDomain d = host.rootDomains().get(i);
            domainCpus[i] = d.cpus().stream().mapToInt(Integer::intValue).toArray();
            domainHeld[i] = new long[domainCpus[i].length];
            for (int c = 0; c < domainCpus[i].length; c++) domainHeld[i][c] = d.heldPerCpu().getOrDefault(domainCpus[i][c], CpuBandwidth.ZERO).kernelUnits();
            maxCpu = Math.max(maxCpu, d.cpus().last());
        }
        cpuUsed = new long[maxCpu + 1];
    }

    public HostCapacity host() { return host; }

    /** Bandwidth vmqos may still admit in {@code domain}: capacity − reserve − others − admitted. */
    public CpuBandwidth remaining(String domain) {
        int i = indexOf(domain);
        return CpuBandwidth.ofKernelUnits(available(i, host.rootDomains().get(i)));
    }

    /** Density admitted on {@code cpu} by this plan (partitioned placement), as a bandwidth. */
    public CpuBandwidth usedOnCpu(int cpu) { return CpuBandwidth.ofKernelUnits(cpu >= 0 && cpu < cpuUsed.length ? cpuUsed[cpu] : 0); }

    /** Bandwidth admitted in total by this plan. */
    public CpuBandwidth admittedBandwidth() { return CpuBandwidth.ofKernelUnits(Arrays.stream(usedBw).sum()); }

    /** Whether {@code plan} would be admitted, without admitting it. */
    public AdmissionDecision check(VmPlan plan, String preferredDomain) {
        return decide(plan, preferredDomain, false);
    }

    /** Admits {@code plan} if it fits (recording it), else says why not. */
    public AdmissionDecision admit(VmPlan plan, String preferredDomain) {
        return decide(plan, preferredDomain, true);
    }

    private AdmissionDecision decide(VmPlan plan, String preferredDomain, boolean commit) {
        List<RootDomain> domains = host.rootDomains();
        AdmissionDecision.Rejected firstRejection = null;
        for (int i = 0; i < domains.size(); i++) {
            RootDomain d = domains.get(i);
            if (preferredDomain != null && !preferredDomain.equals(d.name())) continue;
            AdmissionDecision dec = tryDomain(i, d, plan, commit);
            if (dec instanceof AdmissionDecision.Admitted) return dec;
            if (firstRejection == null) firstRejection = (AdmissionDecision.Rejected) dec;
        }
        if (firstRejection == null) {
            throw new InvalidInputException("vms." + plan.vm() + ".rootDomain", "'" + preferredDomain + "' is not a root domain of this host",
                    "use one of " + domains.stream().map(RootDomain::name).toList());
        }
        return firstRejection;
    }

    /** Capacity less the host reserve, of the whole domain. */
    private CpuBandwidth limit(RootDomain d) {
        CpuBandwidth cap = d.capacity();
        return cap.minus(host.reserveOf(cap));
    }

    /** Kernel units still admissible in domain {@code i}: capacity − reserve − others − admitted (may be negative). */
    private long available(int i, RootDomain d) {
        return limit(d).minus(d.heldByOthers()).kernelUnits() - usedBw[i];
    }

    private AdmissionDecision tryDomain(int i, RootDomain d, VmPlan plan, boolean commit) {
        CpuBandwidth need = plan.bandwidth();
        CpuBandwidth avail = CpuBandwidth.ofKernelUnits(available(i, d));
        if (need.exceeds(avail)) {
            CpuBandwidth left = avail.max(CpuBandwidth.ZERO);
            return new AdmissionDecision.Rejected(d.name(), Constraint.ROOT_DOMAIN_BANDWIDTH, need, left,
                    "root domain " + d.name() + " (" + d.cpus().size() + " CPUs, cap " + d.capacity().percent() + ", reserve "
                            + host.reserveOf(d.capacity()).percent() + ", held by others " + d.heldByOthers().percent()
                            + ") has " + left.percent() + " left, the VM needs " + need.percent());
        }
        long planDensity = 0, planMax = 0;
        for (StageReservation s : plan.stages()) {
            long dens = density(s);
            planDensity += dens * s.threads();
            planMax = Math.max(planMax, dens);
        }
        List<Placement> placements = new ArrayList<>(plan.stages().size());
        if (host.partitioned()) {
            long cpuCap = d.perCpuCapacity().minus(host.reserveOf(d.perCpuCapacity())).kernelUnits();
            // with hostCpu, the last CPU of a domain of several stays unpartitioned, for the host
            int[] cpus = host.hostCpu() && domainCpus[i].length > 1 ? Arrays.copyOf(domainCpus[i], domainCpus[i].length - 1) : domainCpus[i];
            long[] held = domainHeld[i];
            // every thread of every stage is placed on its own (first-fit decreasing by density)
            List<ThreadItem> order = new ArrayList<>();
            for (StageReservation s : plan.stages()) for (int t = 0; t < s.threads(); t++) order.add(new ThreadItem(s, t));
            order.sort(Comparator.comparingLong((ThreadItem x) -> density(x.stage())).reversed()
                    .thenComparing(x -> x.stage().stage()).thenComparingInt(ThreadItem::index));
            int[] chosenCpu = new int[order.size()];
            long[] chosenDensity = new long[order.size()];
            for (int s = 0; s < order.size(); s++) {
                long dens = density(order.get(s).stage());
                int chosen = -1;
                long emptiest = Long.MAX_VALUE;
                for (int c = 0; c < cpus.length; c++) {
                    long used = cpuUsed[cpus[c]] + held[c];
                    for (int prev = 0; prev < s; prev++) if (chosenCpu[prev] == cpus[c]) used += chosenDensity[prev];
                    emptiest = Math.min(emptiest, used);
                    if (used + dens <= cpuCap) { chosen = cpus[c]; break; }
                }
                if (chosen < 0) {
                    CpuBandwidth best = CpuBandwidth.ofKernelUnits(Math.max(0, cpuCap - emptiest));
                    CpuBandwidth needed = CpuBandwidth.ofKernelUnits(dens);
                    return new AdmissionDecision.Rejected(d.name(), Constraint.CPU_DENSITY, needed, best,
                            "no CPU of root domain " + d.name() + " has room for the " + order.get(s).stage().stage() + " thread's density "
                                    + needed.percent() + " (Q/D of " + order.get(s).stage().reservation() + "); the emptiest CPU has "
                                    + best.percent() + " left of " + CpuBandwidth.ofKernelUnits(cpuCap).percent());
                }
                chosenCpu[s] = chosen;
                chosenDensity[s] = dens;
                placements.add(new Placement(plan.vm(), order.get(s).stage().stage(), order.get(s).index(), d.name(), chosen));
            }
            if (commit) {
                for (int s = 0; s < order.size(); s++) cpuUsed[chosenCpu[s]] += chosenDensity[s];
            }
        } else {
            int m = d.cpus().size();
            long dMax = Math.max(maxDensity[i], planMax);
            long total = usedDensity[i] + d.heldByOthers().kernelUnits() + planDensity;
            long gfb = m * CpuBandwidth.ONE_CPU.kernelUnits() - (m - 1) * dMax;
            if (total > gfb) {
                CpuBandwidth totalDensity = CpuBandwidth.ofKernelUnits(total), bound = CpuBandwidth.ofKernelUnits(gfb);
                return new AdmissionDecision.Rejected(d.name(), Constraint.GLOBAL_EDF_DENSITY, totalDensity, bound,
                        "global EDF on root domain " + d.name() + " cannot guarantee deadlines: total density " + totalDensity.percent()
                                + " exceeds m − (m−1)·δmax = " + bound.percent() + " (Goossens-Funk-Baruah); use partitioned placement or smaller densities");
            }
            for (StageReservation s : plan.stages()) {
                for (int t = 0; t < s.threads(); t++) placements.add(new Placement(plan.vm(), s.stage(), t, d.name(), Placement.ANY_CPU));
            }
            if (commit) {
                usedDensity[i] += planDensity;
                maxDensity[i] = dMax;
            }
        }
        if (commit) usedBw[i] += need.kernelUnits();
        return new AdmissionDecision.Admitted(d.name(), placements);
    }

    /** One thread of a stage, to place. */
    private record ThreadItem(StageReservation stage, int index) {}

    /** Density Q/D of a stage in kernel units, rounded up ({@link io.vmqos.core.Reservation#density()}). */
    static long density(StageReservation s) { return s.reservation().density().kernelUnits(); }

    private int indexOf(String domain) {
        List<RootDomain> ds = host.rootDomains();
        for (int i = 0; i < ds.size(); i++) if (ds.get(i).name().equals(domain)) return i;
        throw new InvalidInputException("rootDomain", "'" + domain + "' is not a root domain of this host", "use one of " + ds.stream().map(RootDomain::name).toList());
    }
}
