package io.vmqos.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * cgroup v1 rebuild: flip a {@code cpuset.sched_load_balance} and restore it. Any change of that flag makes the
 * kernel regenerate the domains.
 *
 * <p>Root balancing (the usual case): root 1→0→1. Root already 0 (the host is partitioned by load-balanced
 * child cpusets): flip the first such child 1→0→1 instead, so the partitions are never merged even for a
 * moment; with no such child, root 0→1→0. The original value is written back in a finally block.
 */
public record CpusetV1Rebuilder(Path root, CgroupFs fs) implements RootDomainRebuilder {
    static final String LOAD_BALANCE = "cpuset.sched_load_balance";

    @Override
    public String rebuild() {
        Path rootFile = root.resolve(LOAD_BALANCE);
        String original = fs.readOrFail(rootFile);
        Path target = rootFile;
        if (!original.equals("1")) {
            Optional<Path> child = firstBalancedChild();
            if (child.isPresent()) target = child.get();
        }
        String orig = target == rootFile ? original : "1";
        String flipped = orig.equals("1") ? "0" : "1";
        try {
            fs.writeOrFail(target, flipped);
        } finally {
            fs.writeOrFail(target, orig);
        }
        return "cgroup v1: " + target + " " + orig + "→" + flipped + "→" + orig;
    }

    private Optional<Path> firstBalancedChild() {
        Deque<Path> todo = new ArrayDeque<>();
        try {
            todo.addAll(fs.children(root));
            while (!todo.isEmpty()) {
                Path dir = todo.pop();
                Path lb = dir.resolve(LOAD_BALANCE);
                boolean hasCpus = !fs.readOrFail(dir.resolve("cpuset.cpus")).isEmpty();
                if (hasCpus && fs.readOrFail(lb).equals("1")) return Optional.of(lb);
                if (hasCpus) for (Path c : fs.children(dir).reversed()) todo.push(c);
            }
        } catch (IOException e) {
            throw new LedgerUnavailableException("cannot list cpusets under " + root + ": " + e.getMessage(), e);
        }
        return Optional.empty();
    }
}
