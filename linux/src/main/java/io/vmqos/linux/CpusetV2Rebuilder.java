package io.vmqos.linux;

import io.vmqos.core.CpuList;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;
import java.util.Optional;

/**
 * cgroup v2 rebuild: the kernel regenerates domains whenever a partition appears or disappears
 * ({@code cpuset.cpus.partition} written), so the repair creates a short-lived partition and removes it:
 * <ol>
 *   <li>enable {@code +cpuset} in the root's {@code cgroup.subtree_control} if it is not (undone at the end);</li>
 *   <li>{@code mkdir <root>/vqledger-rebuild}, {@code cpuset.cpus} = the root's highest effective CPU;</li>
 *   <li>{@code cpuset.cpus.partition} = {@code root} (rebuild #1), then {@code member} (rebuild #2), rmdir.</li>
 * </ol>
 * The temporary partition has no tasks; while it exists (milliseconds) the root partition loses one CPU, so
 * the root must have at least two effective CPUs. Otherwise an existing valid partition is flipped to
 * {@code member} and back to its original type. All changed values are restored in finally blocks.
 *
 * <p>Not tested on a real kernel by the test suite of this project (its machines have cpuset bound to v1);
 * the file sequence is unit-tested against a fake cgroupfs.
 */
public record CpusetV2Rebuilder(Path root, CgroupFs fs) implements RootDomainRebuilder {
    /** Name of the temporary cgroup. */
    public static final String TEMP = "vqledger-rebuild";
    static final String PARTITION = "cpuset.cpus.partition";

    @Override
    public String rebuild() {
        BitSet eff = CpuList.parse(fs.readOrFail(root.resolve("cpuset.cpus.effective")));
        if (eff.cardinality() >= 2) return viaTemporaryPartition(eff.length() - 1);
        Optional<Path> partition = firstValidPartition();
        if (partition.isEmpty()) {
            throw new LedgerUnavailableException("cannot rebuild root domains on cgroup v2 at " + root + ": the root partition has only "
                    + "CPUs " + CpuList.format(eff) + " and there is no child partition to flip; fix: offline and online a CPU "
                    + "(echo 0 > /sys/devices/system/cpu/cpuN/online; echo 1 > ...) or reboot");
        }
        return viaExistingPartition(partition.get());
    }

    private String viaTemporaryPartition(int cpu) {
        Path subtree = root.resolve("cgroup.subtree_control");
        boolean enabledHere = !(" " + fs.readOrFail(subtree) + " ").contains(" cpuset ");
        Path dir = root.resolve(TEMP);
        if (enabledHere) fs.writeOrFail(subtree, "+cpuset");
        try {
            if (fs.exists(dir)) removeTemp(dir); // left over by a killed run
            mkdir(dir);
            try {
                fs.writeOrFail(dir.resolve("cpuset.cpus"), Integer.toString(cpu));
                fs.writeOrFail(dir.resolve(PARTITION), "root");
                String state = fs.readOrFail(dir.resolve(PARTITION));
                if (!state.equals("root")) {
                    throw new LedgerUnavailableException("the temporary partition " + dir + " became '" + state + "', so the kernel did not "
                            + "rebuild its domains; fix: free CPU " + cpu + " from exclusive sibling cpusets or flip an existing partition");
                }
            } finally {
                removeTemp(dir);
            }
        } finally {
            if (enabledHere) fs.writeOrFail(subtree, "-cpuset");
        }
        return "cgroup v2: temporary partition " + dir + " on CPU " + cpu + " (root→member, removed)";
    }

    private void removeTemp(Path dir) {
        try {
            if (fs.exists(dir.resolve(PARTITION))) fs.writeOrFail(dir.resolve(PARTITION), "member");
        } finally {
            try {
                fs.rmdir(dir);
            } catch (IOException e) {
                throw new LedgerUnavailableException("cannot remove " + dir + ": " + e.getMessage() + "; fix: rmdir it by hand", e);
            }
        }
    }

    private String viaExistingPartition(Path dir) {
        Path f = dir.resolve(PARTITION);
        String original = fs.readOrFail(f);
        try {
            fs.writeOrFail(f, "member");
        } finally {
            fs.writeOrFail(f, original);
        }
        return "cgroup v2: " + f + " " + original + "→member→" + original;
    }

    private Optional<Path> firstValidPartition() {
        Deque<Path> todo = new ArrayDeque<>();
        try {
            todo.addAll(fs.children(root));
            while (!todo.isEmpty()) {
                Path dir = todo.pop();
                Path f = dir.resolve(PARTITION);
                if (fs.exists(f)) {
                    String v = fs.readOrFail(f);
                    if (v.equals("root") || v.equals("isolated")) return Optional.of(dir);
                }
                for (Path c : fs.children(dir).reversed()) todo.push(c);
            }
        } catch (IOException e) {
            throw new LedgerUnavailableException("cannot list cgroups under " + root + ": " + e.getMessage(), e);
        }
        return Optional.empty();
    }

    private void mkdir(Path dir) {
        try {
            fs.mkdir(dir);
        } catch (IOException e) {
            throw new LedgerUnavailableException("cannot create " + dir + ": " + e.getMessage() + "; fix: run as root", e);
        }
    }
}
