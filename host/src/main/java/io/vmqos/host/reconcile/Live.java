package io.vmqos.host.reconcile;

import io.vmqos.core.desired.DeviceRef;
import io.vmqos.linux.net.NapiChange;
import io.vmqos.linux.net.QdiscState;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;

/**
 * What the host shows now of everything one reconcile touches (the threads, devices and IRQs its desired state and
 * its record name): the kernel's truth that {@link Diff} compares the desired state and the record with. A snapshot.
 *
 * @param threads live threads by tid (a tid absent is gone)
 * @param napi each device's NAPI settings now, as {@link io.vmqos.linux.net.NapiControl#settings} reads them (absent:
 *     the device is gone)
 * @param irqAffinity each IRQ's affinity now
 * @param partitions the CPUs that are vmqos partitions (own root domains) now
 * @param qdiscs each device's qdiscs now (absent: the device is gone)
 */
public record Live(Map<Integer, LiveThread> threads, Map<DeviceRef, NapiChange> napi, Map<Integer, String> irqAffinity,
                   SortedSet<Integer> partitions, Map<DeviceRef, List<QdiscState>> qdiscs) {
    public Optional<LiveThread> thread(int tid) { return Optional.ofNullable(threads.get(tid)); }

    /** The live threads among those {@code desired} and {@code record} name, by tid, as {@code lookup} finds them. */
    public static Map<Integer, LiveThread> threadsOf(io.vmqos.core.desired.DesiredState desired, io.vmqos.host.state.HostRecord record,
                                                     java.util.function.IntFunction<Optional<LiveThread>> lookup) {
        java.util.TreeSet<Integer> tids = new java.util.TreeSet<>();
        desired.threads().forEach(t -> tids.add(t.tid()));
        record.threads().forEach(t -> tids.add(t.tid()));
        Map<Integer, LiveThread> out = new java.util.LinkedHashMap<>();
        for (int tid : tids) lookup.apply(tid).ifPresent(t -> out.put(tid, t));
        return out;
    }
}
