package io.vmqos.host.service;

import io.vmqos.core.SchedAttributes;
import io.vmqos.host.reconcile.LiveThread;
import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.Owner;
import io.vmqos.host.state.StoredAttrs;
import io.vmqos.linux.CpuPartitions;
import io.vmqos.linux.DeadlineThread;

import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Rebuilds the record from the kernel when the record file is lost or damaged (the kernel is the truth): every
 * SCHED_DEADLINE thread of a QEMU process or a packet kernel thread ({@code napi/}, {@code irq/}) and every vmqos
 * partition are recorded under the scope {@link Scopes#RECOVERED}, with SCHED_OTHER nice 0 and the root cpuset as
 * their values before (the real ones are lost with the record). A scope that wants one of them takes it over; the
 * agent releases the others. NAPI settings, IRQ affinity and tc shaping cannot be told apart from the operator's own,
 * so they are not recovered ({@link #describe} says so).
 */
final class KernelScan {
    private KernelScan() {}

    static HostRecord rebuild(HostObserver observer, CpuPartitions partitions) {
        HostRecord r = HostRecord.empty();
        Owner recovered = new Owner(Scopes.RECOVERED, "");
        for (DeadlineThread t : observer.ledgerThreads()) {
            String comm = t.comm();
            boolean ours = comm.startsWith("napi/") || comm.startsWith("irq/") || observer.isQemu(t.pid());
            if (!ours) continue;
            Optional<LiveThread> lt = observer.thread(t.tid());
            if (lt.isEmpty()) continue;
            String cpuset = lt.get().cpuset();
            boolean pinned = cpuset.contains(CpuPartitions.PREFIX);
            r = r.withThread(new HostRecord.ThreadEntry(t.tid(), lt.get().pid(), lt.get().startTime(), comm, StoredAttrs.of(SchedAttributes.other()),
                    StoredAttrs.of(lt.get().attrs()), pinned ? "/" : null, pinned ? cpuset : null, List.of(recovered)));
        }
        BitSet cpus = new BitSet();
        partitions.list().values().forEach(cpus::or);
        if (!cpus.isEmpty()) {
            TreeSet<Integer> c = new TreeSet<>();
            cpus.stream().forEach(c::add);
            TreeSet<Integer> all = new TreeSet<>();
            observer.onlineCpus().stream().forEach(all::add);
            r = r.withPartition(new HostRecord.PartitionEntry(c, all, null, List.of(recovered)));
        }
        return r;
    }

    static String describe(HostRecord r) {
        return r.threads().size() + " DEADLINE thread(s) of QEMU or packet kernel threads"
                + (r.partitions().isEmpty() ? "" : ", partitions of CPUs " + r.partitions().getFirst().cpus())
                + " (NAPI settings, IRQ affinity and tc shaping made before are not known any more: check them with vmqos show)";
    }
}
