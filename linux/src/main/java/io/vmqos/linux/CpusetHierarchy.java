package io.vmqos.linux;

import io.vmqos.core.CpuList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * The host's cpuset controller: where it is mounted (cgroup v1 {@code cpuset} hierarchy, or cgroup v2 with
 * {@code cpuset} in the root's {@code cgroup.controllers}), its tree, and the root domains it implies.
 *
 * <p>Read-only except through the {@link RootDomainRebuilder} it hands out. Every call re-reads the files;
 * any thread.
 *
 * @param root the mount point of the hierarchy that has the cpuset controller
 * @param version 1 or 2
 */
public record CpusetHierarchy(Path root, int version, CgroupFs fs) {
    /**
     * Serializes the changes vmqos makes to the cpuset tree within this JVM: ledger repairs (which flip
     * {@code sched_load_balance} or a v2 partition for milliseconds) and {@link CpuPartitions} changes. Other
     * processes are not covered.
     */
    static final Object TREE_LOCK = new Object();

    /** Finds the cpuset controller in {@code /proc/self/mountinfo}; empty when there is none. */
    public static Optional<CpusetHierarchy> locate() {
        try {
            return locate(Files.readString(Path.of("/proc/self/mountinfo")), CgroupFs.real());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Finds the cpuset controller among the given mounts; v1 wins when both exist (cpuset is then bound to v1). */
    public static Optional<CpusetHierarchy> locate(String mountinfo, CgroupFs fs) {
        List<MountTable.Mount> mounts = MountTable.parse(mountinfo);
        for (MountTable.Mount m : mounts) {
            if (m.fsType().equals("cgroup") && m.hasOption("cpuset")) return Optional.of(new CpusetHierarchy(Path.of(m.mountPoint()), 1, fs));
        }
        for (MountTable.Mount m : mounts) {
            if (!m.fsType().equals("cgroup2")) continue;
            Path root = Path.of(m.mountPoint());
            try {
                if ((" " + fs.read(root.resolve("cgroup.controllers")) + " ").contains(" cpuset ")) {
                    return Optional.of(new CpusetHierarchy(root, 2, fs));
                }
            } catch (IOException ignored) {
                // an unreadable cgroup2 mount has no usable cpuset controller
            }
        }
        return Optional.empty();
    }

    /** Reads the whole cpuset tree. @throws LedgerUnavailableException when the files cannot be read */
    public CpusetNode readTree() {
        try {
            return readNode(root, true);
        } catch (IOException e) {
            throw new LedgerUnavailableException("cannot read the cpuset hierarchy at " + root + ": " + e.getMessage(), e);
        }
    }

    private CpusetNode readNode(Path dir, boolean isRoot) throws IOException {
        List<CpusetNode> children = new ArrayList<>();
        for (Path c : fs.children(dir)) {
            try {
                children.add(readNode(c, false));
            } catch (java.nio.file.NoSuchFileException gone) {
                // cgroup removed while we walked
            }
        }
        String rel = root.relativize(dir).toString();
        if (version == 1) {
            BitSet eff = CpuList.parse(fs.read(dir.resolve(fs.exists(dir.resolve("cpuset.effective_cpus")) ? "cpuset.effective_cpus" : "cpuset.cpus")));
            boolean lb = fs.read(dir.resolve("cpuset.sched_load_balance")).equals("1");
            return new CpusetNode(rel, eff, lb, "", children);
        }
        Path effFile = dir.resolve("cpuset.cpus.effective");
        BitSet eff = fs.exists(effFile) ? CpuList.parse(fs.read(effFile)) : new BitSet();
        Path partFile = dir.resolve("cpuset.cpus.partition");
        String partition = isRoot ? "root" : fs.exists(partFile) ? fs.read(partFile) : "member";
        return new CpusetNode(rel, eff, true, partition, children);
    }

    /** The root domains implied by the current tree. */
    public List<BitSet> rootDomains(BitSet online, BitSet isolated) {
        CpusetNode tree = readTree();
        return version == 1 ? RootDomains.v1(tree, online, isolated) : RootDomains.v2(tree, online, isolated);
    }

    /** The way to make the kernel rebuild its root domains (and their DEADLINE accounting) on this hierarchy. */
    public RootDomainRebuilder rebuilder() {
        return version == 1 ? new CpusetV1Rebuilder(root, fs) : new CpusetV2Rebuilder(root, fs);
    }
}
