package io.vmqos.agent;

import io.vmqos.core.net.TapRef;
import io.vmqos.host.state.HostRecord;
import io.vmqos.linux.net.TapCounters;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The recorded VMs' traffic: each VM's taps (looked up once per QEMU process: they do not change while it runs) and
 * their counters summed, host side (a tap's {@code rx} is what the guest sent). Read-only; any thread.
 */
public final class VmTraffic {
    private final IntFunction<List<TapRef>> tapsOf;
    private final Function<TapRef, Optional<TapCounters.Counters>> counters;
    private final Map<String, List<TapRef>> taps = new ConcurrentHashMap<>();

    /**
     * @param tapsOf the taps a QEMU process has open
     * @param counters a tap's counters now
     */
    public VmTraffic(IntFunction<List<TapRef>> tapsOf, Function<TapRef, Optional<TapCounters.Counters>> counters) {
        this.tapsOf = tapsOf;
        this.counters = counters;
    }

    /** No taps anywhere (no traffic is read). */
    public static VmTraffic none() { return new VmTraffic(pid -> List.of(), t -> Optional.empty()); }

    /** Each recorded VM's taps' counters, summed, by VM name; a VM without a readable tap is absent. */
    public Map<String, TapCounters.Counters> read(HostRecord r) { return read(r, vm -> true); }

    /** {@link #read(HostRecord)} of the VMs {@code which} names only (the others' taps are not read). */
    public Map<String, TapCounters.Counters> read(HostRecord r, java.util.function.Predicate<String> which) {
        Set<String> live = new HashSet<>();
        Map<String, TapCounters.Counters> byVm = new TreeMap<>();
        for (HostRecord.VmEntry v : r.vms()) live.add(v.pid() + ":" + v.startTime()); // what is forgotten: QEMUs gone
        for (HostRecord.VmEntry v : r.vms()) {
            if (!which.test(v.owner().vm())) continue;
            String key = v.pid() + ":" + v.startTime();
            List<TapRef> t = taps.computeIfAbsent(key, k -> {
                try {
                    return List.copyOf(tapsOf.apply(v.pid()));
                } catch (RuntimeException unreadable) {
                    return List.of();
                }
            });
            for (TapRef tap : t) {
                counters.apply(tap).ifPresent(c -> byVm.merge(v.owner().vm(), c, (a, b) -> new TapCounters.Counters(a.rxPackets() + b.rxPackets(),
                        a.rxBytes() + b.rxBytes(), a.txPackets() + b.txPackets(), a.txBytes() + b.txBytes())));
            }
        }
        taps.keySet().retainAll(live);
        return byVm;
    }
}
