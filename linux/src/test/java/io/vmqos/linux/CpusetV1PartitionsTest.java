package io.vmqos.linux;

import io.vmqos.core.CpuList;
import io.vmqos.linux.PartitionChange.Step;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cgroup v1 partition sequence, undo, idempotency and refusals, on a fake cpuset hierarchy of 4 CPUs. */
class CpusetV1PartitionsTest {
    static final int OTHER = 0, DEADLINE = 6;

    @TempDir Path dir;
    FakeCpusetHost host;
    CpusetV1Partitions partitions;

    @BeforeEach
    void host() throws Exception {
        host = FakeCpusetHost.v1(dir, "0-3");
        partitions = newPartitions();
    }

    /** CPUs a test says are DEADLINE-full: a split making them a root domain is overcommitted. */
    java.util.BitSet full = new java.util.BitSet();

    CpusetV1Partitions newPartitions() {
        DeadlineLoad load = cpus -> cpus.intersects(full) ? java.util.Optional.of("root domain " + CpuList.format(cpus) + " would hold 125.0%") : java.util.Optional.empty();
        return new CpusetV1Partitions(host.hierarchy(), host.procFs(), host.cpuDir, load);
    }

    List<String> domains() { return host.hierarchy().rootDomains(CpuList.parse("0-3"), new java.util.BitSet()).stream().map(CpuList::format).toList(); }

    @Test
    void eachCpuGetsAnExclusiveBalancedCpusetTheRestOneMoreAndTheRootStopsBalancing() throws Exception {
        PartitionChange change = partitions.plan(CpuList.parse("1-2"));
        assertThat(change.steps()).extracting(Step::describe).containsExactly(
                "mkdir /vmqos-cpu1", "/vmqos-cpu1/cpuset.mems = 0", "/vmqos-cpu1/cpuset.cpus = 1", "/vmqos-cpu1/cpuset.cpu_exclusive = 1",
                "/vmqos-cpu1/cpuset.sched_load_balance = 1",
                "mkdir /vmqos-cpu2", "/vmqos-cpu2/cpuset.mems = 0", "/vmqos-cpu2/cpuset.cpus = 2", "/vmqos-cpu2/cpuset.cpu_exclusive = 1",
                "/vmqos-cpu2/cpuset.sched_load_balance = 1",
                "mkdir /vmqos-rest", "/vmqos-rest/cpuset.mems = 0", "/vmqos-rest/cpuset.cpus = 0,3", "/vmqos-rest/cpuset.sched_load_balance = 1",
                "/cpuset.sched_load_balance = 0 (undo: 1)");
        assertThat(host.fs.log).as("plan is read-only").isEmpty();

        partitions.apply(change);
        assertThat(host.fs.log).last().isEqualTo("write cpuset.sched_load_balance 0");
        assertThat(host.fs.log).doesNotContain("write vmqos-cpu1/cpuset.sched_load_balance 1"); // already 1 in a new cpuset
        assertThat(domains()).containsExactly("0,3", "1", "2");
        assertThat(partitions.list()).containsOnlyKeys("/vmqos-cpu1", "/vmqos-cpu2");
        assertThat(CpuList.format(partitions.list().get("/vmqos-cpu2"))).isEqualTo("2");
        assertThat(partitions.partitionOf(2)).contains("/vmqos-cpu2");
        assertThat(partitions.partitionOf(0)).isEmpty();
    }

    @Test
    void partitioningAgainChangesNothingAndUndoingTwiceIsSafe() throws Exception {
        List<String> before = host.snapshot();
        PartitionChange first = partitions.partition(CpuList.parse("1"));
        List<String> partitioned = host.snapshot();
        host.fs.log.clear();

        PartitionChange second = partitions.partition(CpuList.parse("1"));
        assertThat(second.changesNothing()).isTrue();
        partitions.apply(first);
        assertThat(host.fs.log).as("re-applying writes nothing").isEmpty();
        assertThat(host.snapshot()).isEqualTo(partitioned);

        partitions.undo(second); // nothing to undo
        assertThat(host.snapshot()).isEqualTo(partitioned);
        partitions.undo(first);
        assertThat(host.snapshot()).isEqualTo(before);
        host.fs.log.clear();
        partitions.undo(first);
        assertThat(host.fs.log).isEmpty();
    }

    @Test
    void undoMovesThreadsBackToTheRootRestoresTheFlagAndRemovesTheCpusets() throws Exception {
        host.thread(100, 101, 0, OTHER);
        List<String> before = host.snapshot();
        PartitionChange change = partitions.partition(CpuList.parse("3"));
        partitions.move(101, "/vmqos-cpu3");
        assertThat(partitions.cpusetOf(101)).isEqualTo("/vmqos-cpu3");
        host.fs.log.clear();

        partitions.undo(change);
        assertThat(host.fs.log).containsExactly(
                "write cpuset.sched_load_balance 1", "rmdir vmqos-rest", "write tasks 101", "rmdir vmqos-cpu3");
        assertThat(partitions.cpusetOf(101)).isEqualTo("/");
        assertThat(host.snapshot()).isEqualTo(before);
    }

    @Test
    void aNewInstanceUndoesAChangeReadBackFromJson() throws Exception {
        host.thread(100, 100, 0, OTHER);
        List<String> before = host.snapshot();
        String json = partitions.partition(CpuList.parse("1")).toJson();
        partitions.move(100, "/vmqos-cpu1");

        PartitionChange read = PartitionChange.fromJson(json);
        assertThat(read.cpus()).containsExactly(1);
        newPartitions().undo(read);
        assertThat(host.snapshot()).isEqualTo(before);
    }

    @Test
    void aChangeAppliedOnlyHalfwayBeforeACrashIsUndone() throws Exception {
        List<String> before = host.snapshot();
        PartitionChange change = partitions.plan(CpuList.parse("1"));
        // the process died after the first 7 steps: vmqos-cpu1 made, vmqos-rest created but empty, root still balancing
        partitions.apply(new PartitionChange(1, change.hierarchy(), List.of(), change.steps().subList(0, 7)));
        assertThat(Files.isDirectory(host.cgroup.resolve("vmqos-rest"))).isTrue();

        assertThatThrownBy(() -> newPartitions().plan(CpuList.parse("1")))
                .isInstanceOf(PartitionException.class).hasMessageContaining("/vmqos-cpu1").hasMessageContaining("undo");
        newPartitions().undo(change);
        assertThat(host.snapshot()).isEqualTo(before);
    }

    @Test
    void aRefusedKernelWriteUndoesWhatWasAppliedAndNamesTheFile() throws Exception {
        host.fs.file("cpuset.mems", "0-1");
        List<String> before = host.snapshot();
        host.fs.failValue = "0"; // the root's sched_load_balance = 0 is refused (no other write is "0" here)
        assertThatThrownBy(() -> partitions.partition(CpuList.parse("1")))
                .isInstanceOfSatisfying(PartitionException.class, e -> assertThat(e.field()).isEqualTo("/cpuset.sched_load_balance"))
                .hasMessageContaining("the kernel refused 0 > ").hasMessageContaining("Invalid argument")
                .hasMessageContaining("everything this change had applied was undone");
        assertThat(host.snapshot()).isEqualTo(before);
    }

    @Test
    void refusalsNameTheFieldAndTheFixAndChangeNothing() throws Exception {
        host.fs.file("machine/cpuset.cpus", "2-3");
        host.fs.file("machine/cpuset.effective_cpus", "2-3");
        host.fs.file("machine/cpuset.sched_load_balance", "1");
        Files.writeString(host.cpuDir.resolve("isolated"), "3\n");
        List<String> before = host.snapshot();

        assertRefused("0-2", "cpus", "every CPU of root domain 0-2", "leave at least one CPU");
        assertRefused("7", "cpus", "CPU 7 is offline", "online: 0-3");
        assertRefused("3", "cpus", "CPU 3 is isolated", "outside isolcpus");
        assertRefused("", "cpus", "no CPU given", "fix:");
        assertRefused("2", "cpus", "cpuset /machine holds CPUs 2", "remove them from its cpuset.cpus");
        full.set(0);
        assertRefused("1", "cpus", "splitting would overcommit: root domain 0,2 would hold 125.0%", "switch DEADLINE threads away");
        assertThat(host.snapshot()).isEqualTo(before);
        assertThat(host.fs.log).isEmpty();
    }

    @Test
    void refusesCpusOfTwoRootDomainsAndTheHostCpusOfAnEarlierPartition() throws Exception {
        PartitionChange change = partitions.partition(CpuList.parse("1"));
        List<String> before = host.snapshot();
        assertRefused("0", "cpus", "host CPUs vmqos kept together in /vmqos-rest", "undo that change and partition all CPUs in one call");
        assertRefused("1-2", "cpus", "host CPUs vmqos kept together", "undo");
        assertThat(host.snapshot()).isEqualTo(before);
        partitions.undo(change);

        host.fs.file("cpuset.sched_load_balance", "0");
        for (String cs : List.of("a:0-1", "b:2-3")) {
            String[] nc = cs.split(":");
            host.fs.file(nc[0] + "/cpuset.cpus", nc[1]);
            host.fs.file(nc[0] + "/cpuset.effective_cpus", nc[1]);
            host.fs.file(nc[0] + "/cpuset.sched_load_balance", "1");
        }
        assertRefused("1-2", "cpus", "different root domains (0-1 | 2-3)", "one root domain per call");
    }

    @Test
    void refusesACpusetNameThatIsTakenByACpusetThatIsNoPartition() throws Exception {
        host.fs.file("vmqos-cpu1/cpuset.cpus", "0-1");
        host.fs.file("vmqos-cpu1/cpuset.effective_cpus", "0-1");
        host.fs.file("vmqos-cpu1/cpuset.sched_load_balance", "1");
        host.fs.file("vmqos-cpu1/cpuset.cpu_exclusive", "0");
        assertRefused("1", "cpus", "cpuset /vmqos-cpu1 exists but does not make CPU 1 a root domain", "rmdir it");
        assertRefused("2", "cpuset", "/vmqos-cpu1 already exists although / still balances", "undo the recorded vmqos change");
    }

    @Test
    void movesAThreadIdempotentlyAndRefusesMovesThatWouldLoseDeadlineBandwidth() throws Exception {
        host.thread(100, 101, 0, OTHER);
        host.thread(100, 102, 0, DEADLINE);
        host.thread(100, 103, 2, DEADLINE);
        PartitionChange change = partitions.partition(CpuList.parse("1-2"));

        partitions.move(101, "/vmqos-cpu1");
        host.fs.log.clear();
        partitions.move(101, "/vmqos-cpu1");
        assertThat(host.fs.log).as("already there").isEmpty();

        assertThatThrownBy(() -> partitions.move(102, "/vmqos-cpu1"))
                .isInstanceOfSatisfying(PartitionException.class, e -> assertThat(e.field()).isEqualTo("tid"))
                .hasMessageContaining("thread 102 is SCHED_DEADLINE and runs on CPU 0 (root domain 0,3)")
                .hasMessageContaining("release its bandwidth without reserving it").hasMessageContaining("switch it to SCHED_OTHER, move it");
        assertThat(partitions.cpusetOf(102)).isEqualTo("/");

        partitions.move(103, "/vmqos-cpu2"); // it runs in root domain {2} already: the kernel keeps it counted there
        partitions.move(103, "/vmqos-cpu1"); // between partitions the kernel moves the reservation (admission control)
        partitions.move(103, "/");           // back: still counted in the domain it runs in
        assertThat(partitions.cpusetOf(103)).isEqualTo("/");

        assertThatThrownBy(() -> partitions.move(101, "/vmqos-cpu7")).hasMessageContaining("cpuset /vmqos-cpu7 does not exist");
        assertThatThrownBy(() -> partitions.move(999, "/vmqos-cpu1")).hasMessageContaining("thread 999 does not exist");
        assertThatThrownBy(() -> partitions.move(101, "/../etc")).hasMessageContaining("is not a cgroup path");
        partitions.undo(change);
        assertThat(partitions.cpusetOf(101)).isEqualTo("/");
    }

    @Test
    void refusesChangesOfAnotherHierarchyOrThatWouldRemoveSomeoneElsesCgroup() throws Exception {
        PartitionChange change = partitions.plan(CpuList.parse("1"));
        PartitionChange elsewhere = new PartitionChange(1, "/sys/fs/cgroup/other", change.cpus(), change.steps());
        assertThatThrownBy(() -> partitions.undo(elsewhere)).hasMessageContaining("hierarchy at /sys/fs/cgroup/other");
        PartitionChange hostile = new PartitionChange(1, change.hierarchy(), change.cpus(), List.of(Step.mkdir("/system.slice", "/")));
        assertThatThrownBy(() -> partitions.undo(hostile)).hasMessageContaining("/system.slice, which is not a vmqos cgroup");
    }

    void assertRefused(String cpus, String field, String... message) {
        assertThatThrownBy(() -> partitions.partition(CpuList.parse(cpus)))
                .isInstanceOfSatisfying(PartitionException.class, e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageContainingAll(message);
    }
}
