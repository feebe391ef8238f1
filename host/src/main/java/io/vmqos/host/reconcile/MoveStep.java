package io.vmqos.host.reconcile;

import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.Owner;
import io.vmqos.host.state.StoredAttrs;
import io.vmqos.linux.CpuPartitions;

import java.util.List;

/**
 * Moves one thread into a partition's cpuset (pinning it: its affinity becomes the partition's one CPU, which is its
 * root domain), or back to the cpuset it came from. Only SCHED_OTHER threads are moved (the diff releases a DEADLINE
 * thread first): a DEADLINE thread's affinity must cover its root domain at every moment. The record keeps the cpuset
 * it came from; moving back clears it, and drops the entry when no owner wants the thread any more.
 */
final class MoveStep implements Step {
    private final LiveThread live;
    private final String to;
    private final boolean back;
    private final String label;
    private final List<Owner> owners;
    private final CpuPartitions partitions;

    /** @param back true: to the recorded cpuset before; false: into the partition {@code to} */
    MoveStep(LiveThread live, String to, boolean back, String label, List<Owner> owners, CpuPartitions partitions) {
        this.live = live;
        this.to = to;
        this.back = back;
        this.label = label;
        this.owners = List.copyOf(owners);
        this.partitions = partitions;
    }

    @Override public String describe() { return (back ? "unpin " : "pin ") + label + " (tid " + live.tid() + ") to cpuset " + to; }

    @Override
    public HostRecord intend(HostRecord r) {
        if (back) return r;
        var e = r.thread(live.tid());
        if (e.isPresent()) {
            HostRecord.ThreadEntry t = e.get();
            return r.withThread(new HostRecord.ThreadEntry(t.tid(), t.pid(), t.startTime(), t.label(), t.before(), t.applied(),
                    t.cpusetBefore() != null ? t.cpusetBefore() : live.cpuset(), to, owners.isEmpty() ? t.owners() : owners));
        }
        StoredAttrs now = StoredAttrs.of(live.attrs());
        return r.withThread(new HostRecord.ThreadEntry(live.tid(), live.pid(), live.startTime(), label, now, now, live.cpuset(), to, owners));
    }

    /**
     * Moves the thread. A running or runnable thread is on its new CPU when this returns; a sleeping one gets there at
     * its next wake-up (the {@link ThreadsStep} after this one reserves it only once it has).
     */
    @Override
    public void apply() { partitions.move(live.tid(), to); }

    @Override
    public HostRecord done(HostRecord r) {
        if (!back) return r;
        var e = r.thread(live.tid());
        if (e.isEmpty()) return r;
        HostRecord.ThreadEntry t = e.get();
        if (owners.isEmpty() && t.applied().equals(t.before())) return r.withoutThread(live.tid());
        return r.withThread(new HostRecord.ThreadEntry(t.tid(), t.pid(), t.startTime(), t.label(), t.before(), t.applied(), null, null,
                owners.isEmpty() ? t.owners() : owners));
    }

    @Override
    public void undo() {
        try {
            partitions.move(live.tid(), live.cpuset());
        } catch (io.vmqos.linux.PartitionException e) {
            if (partitions.list().isEmpty() && !back) return; // its partition was undone (and the thread moved back) already
            throw e;
        }
    }
}
