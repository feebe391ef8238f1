package io.vmqos.host.reconcile;

import io.vmqos.host.state.HostRecord;
import io.vmqos.linux.CpuPartitions;
import io.vmqos.linux.PartitionChange;

import java.util.BitSet;

/**
 * Per-CPU root domains for partitioned EDF: made ({@code make}; the cpuset adapter's plan is recorded before it is
 * applied, so a crash halfway is undone exactly by whoever runs next), or undone from the recorded change.
 */
final class PartitionStep implements Step {
    private final HostRecord.PartitionEntry entry;
    private final boolean make;
    private final CpuPartitions partitions;
    private final PartitionChange change;

    /**
     * @throws io.vmqos.linux.PartitionException {@code make} and the CPUs cannot be made partitions (nothing changed)
     */
    PartitionStep(HostRecord.PartitionEntry entry, boolean make, CpuPartitions partitions) {
        this.partitions = partitions;
        this.make = make;
        if (make && entry.change() != null) {
            // recorded before a crash (maybe applied halfway): applied again as recorded, which is idempotent
            this.entry = entry;
            this.change = PartitionChange.fromJson(entry.change());
        } else if (make) {
            BitSet cpus = new BitSet();
            entry.cpus().forEach(cpus::set);
            this.change = partitions.plan(cpus);
            this.entry = entry.withChange(change.toJson());
        } else {
            this.entry = entry;
            this.change = entry.change() == null ? null : PartitionChange.fromJson(entry.change());
        }
    }

    /** The cpuset path this change makes for {@code cpu} ({@code /vmqos-cpuN} under the domain's cpuset), if it makes one. */
    java.util.Optional<String> pathOf(int cpu) {
        if (change == null || !make) return java.util.Optional.empty();
        String name = "/" + CpuPartitions.nameOf(cpu);
        return change.steps().stream().filter(s -> s.action().equals(PartitionChange.Step.MKDIR) && s.path().endsWith(name))
                .map(PartitionChange.Step::path).findFirst();
    }

    @Override public String describe() { return (make ? "partition CPUs " : "undo the partitions of CPUs ") + entry.cpus() + " (own root domains)"; }

    @Override public HostRecord intend(HostRecord r) { return make ? r.withPartition(entry) : r; }

    @Override
    public void apply() {
        if (change == null) return; // recovered from the kernel: what was changed before is not known
        if (make) partitions.apply(change);
        else partitions.undo(change);
    }

    @Override public HostRecord done(HostRecord r) { return make ? r : r.withoutPartition(entry.cpus()); }

    @Override
    public void undo() {
        if (change == null) return;
        if (make) partitions.undo(change);
        else partitions.apply(change);
    }
}
