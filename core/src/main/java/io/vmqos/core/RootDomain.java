package io.vmqos.core;

import java.util.Collections;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A scheduler root domain (an exclusive cpuset, or the whole host): the unit over which the kernel admits
 * SCHED_DEADLINE bandwidth. Immutable.
 *
 * @param name stable name (e.g. the cpuset path), used to order domains deterministically
 * @param cpus the CPU numbers of the domain, not empty
 * @param rtRuntimeNs {@code /proc/sys/kernel/sched_rt_runtime_us} in ns (default 950 ms)
 * @param rtPeriodNs {@code /proc/sys/kernel/sched_rt_period_us} in ns (default 1 s)
 * @param heldByOthers the bandwidth already admitted in this domain by threads vmqos does not plan
 *     ({@code dl_bw->total_bw} minus vmqos's own), not negative
 * @param heldPerCpu for partitioned placement: the density (as a bandwidth) held by others' threads pinned to
 *     each CPU (a density Q/D may exceed the thread's Q/P counted in {@code heldByOthers}); CPUs absent hold nothing
 */
public record RootDomain(String name, SortedSet<Integer> cpus, long rtRuntimeNs, long rtPeriodNs,
                         CpuBandwidth heldByOthers, SortedMap<Integer, CpuBandwidth> heldPerCpu) {

    public RootDomain {
        if (name == null || name.isBlank()) throw new InvalidInputException("rootDomain.name", "is missing", "name the root domain, e.g. by its cpuset");
        if (cpus == null || cpus.isEmpty()) throw new InvalidInputException("rootDomain " + name + " cpus", "is empty", "give at least one CPU");
        if (rtPeriodNs <= 0 || rtRuntimeNs < 0 || rtRuntimeNs > rtPeriodNs) throw new InvalidInputException("rootDomain " + name + " rt runtime/period", Durations.format(rtRuntimeNs) + "/" + Durations.format(rtPeriodNs) + " is not a fraction of one CPU", "use the values of /proc/sys/kernel/sched_rt_{runtime,period}_us");
        if (heldByOthers == null) throw new InvalidInputException("rootDomain " + name + " heldByOthers", "is missing", "give 0 or more");
        if (heldByOthers.isNegative()) throw new InvalidInputException("rootDomain " + name + " heldByOthers", "is negative", "give 0 or more");
        heldPerCpu = heldPerCpu == null ? new TreeMap<>() : new TreeMap<>(heldPerCpu);
        for (var e : heldPerCpu.entrySet()) {
            if (!cpus.contains(e.getKey())) throw new InvalidInputException("rootDomain " + name + " heldPerCpu", "names CPU " + e.getKey() + " outside the domain", "only give CPUs of the domain");
            if (e.getValue().isNegative()) throw new InvalidInputException("rootDomain " + name + " heldPerCpu", "is negative on CPU " + e.getKey(), "give 0 or more");
        }
        cpus = Collections.unmodifiableSortedSet(new TreeSet<>(cpus));
        heldPerCpu = Collections.unmodifiableSortedMap(heldPerCpu);
    }

    /** A domain over {@code cpus} with the kernel's default 95% cap and nothing held by others. */
    public static RootDomain of(String name, SortedSet<Integer> cpus) {
        return new RootDomain(name, cpus, 950_000_000L, 1_000_000_000L, CpuBandwidth.ZERO, new TreeMap<>());
    }

    /** One CPU's DEADLINE cap, {@code to_ratio(rt_period, rt_runtime)}, as the kernel computes {@code dl_b->bw}. */
    public CpuBandwidth perCpuCapacity() { return CpuBandwidth.ofRuntime(rtRuntimeNs, rtPeriodNs); }

    /** The kernel's admission capacity: {@code cpus × dl_b->bw} (symmetric CPUs of full capacity). */
    public CpuBandwidth capacity() { return perCpuCapacity().times(cpus.size()); }
}
