package io.vmqos.lab.calibrate;

import io.vmqos.core.StageKind;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.linux.ProcFs;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The threads of each stage of the lab VM's packet path, whose CPU time calibration measures:
 * NAPI = the lab veth's {@code napi/} kernel threads (both ends), IO = QEMU main loop + iothreads + vhost workers,
 * VCPU = the vCPU threads. Immutable; {@link #cpuNs} reads schedstat (thread-safe, no caching).
 *
 * @param tids stage → thread ids (each non-empty)
 */
public record StageThreads(Map<StageKind, List<Integer>> tids) {
    public StageThreads {
        EnumMap<StageKind, List<Integer>> copy = new EnumMap<>(StageKind.class);
        for (Map.Entry<StageKind, List<Integer>> e : tids.entrySet()) copy.put(e.getKey(), List.copyOf(e.getValue()));
        tids = Collections.unmodifiableMap(copy);
    }

    /** Groups the VM's threads by their role's stage and the NAPI threads; threads without a stage are not counted. */
    public static StageThreads of(VmThreads vm, List<KernelThread> napi) {
        EnumMap<StageKind, List<Integer>> m = new EnumMap<>(StageKind.class);
        m.put(StageKind.NAPI, napi.stream().map(KernelThread::pid).toList());
        for (StageKind k : List.of(StageKind.IO, StageKind.VCPU)) {
            m.put(k, vm.threads().stream().filter(t -> t.role().stage().orElse(null) == k).map(VmThread::tid).toList());
        }
        return new StageThreads(m);
    }

    /**
     * Total CPU ns so far of each stage's threads (a thread that has exited adds nothing and is named in
     * {@code gone}, if given).
     */
    public EnumMap<StageKind, Long> cpuNs(ProcFs proc, List<Integer> gone) {
        EnumMap<StageKind, Long> out = new EnumMap<>(StageKind.class);
        for (Map.Entry<StageKind, List<Integer>> e : tids.entrySet()) {
            long sum = 0;
            for (int tid : e.getValue()) {
                long ns = proc.cpuTimeNs(tid);
                if (ns >= 0) sum += ns;
                else if (gone != null) gone.add(tid);
            }
            out.put(e.getKey(), sum);
        }
        return out;
    }

    @Override
    public String toString() {
        return tids.entrySet().stream().map(e -> e.getKey().name().toLowerCase(Locale.ROOT) + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
