package io.vmqos.linux;

import io.vmqos.core.CpuList;
import io.vmqos.linux.PartitionChange.Step;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The cgroup v2 partition layout (/vmqos domain with threaded remote partitions /vmqos/vmqos-cpuN) on a fake
 * cgroupfs of 4 CPUs: the writes, undo, idempotency, single-thread moves and refusals. This project's machines have
 * no v2 cpuset controller, so this is the only test of the v2 sequence.
 */
class CpusetV2PartitionsTest {
    static final int OTHER = 0;

    @TempDir Path dir;
    FakeCpusetHost host;
    CpusetV2Partitions partitions;

    @BeforeEach
    void host() throws Exception {
        host = FakeCpusetHost.v2(dir, "0-3");
        partitions = newPartitions();
    }

    CpusetV2Partitions newPartitions() { return new CpusetV2Partitions(host.hierarchy(), host.procFs(), host.cpuDir, DeadlineLoad.NONE); }

    List<String> domains() { return host.hierarchy().rootDomains(CpuList.parse("0-3"), new BitSet()).stream().map(CpuList::format).toList(); }

    @Test
    void eachCpuBecomesAThreadedRemotePartitionUnderTheVmqosDomain() throws Exception {
        PartitionChange change = partitions.plan(CpuList.parse("1-2"));
        assertThat(change.steps()).extracting(Step::describe).containsExactly(
                "/cgroup.subtree_control = +cpuset (undo: -cpuset)",
                "mkdir /vmqos", "/vmqos/cpuset.cpus.exclusive = 1-2", "/vmqos/cgroup.subtree_control = +cpuset",
                "mkdir /vmqos/vmqos-cpu1", "/vmqos/vmqos-cpu1/cgroup.type = threaded", "/vmqos/vmqos-cpu1/cpuset.cpus = 1",
                "/vmqos/vmqos-cpu1/cpuset.cpus.exclusive = 1", "/vmqos/vmqos-cpu1/cpuset.cpus.partition = root (undo: member)",
                "mkdir /vmqos/vmqos-cpu2", "/vmqos/vmqos-cpu2/cgroup.type = threaded", "/vmqos/vmqos-cpu2/cpuset.cpus = 2",
                "/vmqos/vmqos-cpu2/cpuset.cpus.exclusive = 2", "/vmqos/vmqos-cpu2/cpuset.cpus.partition = root (undo: member)");
        assertThat(host.fs.log).as("plan is read-only").isEmpty();

        partitions.apply(change);
        assertThat(host.read("cpuset.cpus.effective")).as("the root keeps the host's CPUs").isEqualTo("0,3");
        assertThat(domains()).containsExactly("0,3", "1", "2");
        assertThat(partitions.list()).containsOnlyKeys("/vmqos/vmqos-cpu1", "/vmqos/vmqos-cpu2");
        assertThat(partitions.partitionOf(1)).contains("/vmqos/vmqos-cpu1");
    }

    @Test
    void aThreadMovesAloneOnceItsProcessLivesInTheVmqosDomainAndUndoPutsEverythingBack() throws Exception {
        host.thread(200, 200, 0, OTHER);
        host.thread(200, 201, 0, OTHER);
        List<String> before = host.snapshot();
        PartitionChange change = partitions.partition(CpuList.parse("1"));

        assertThatThrownBy(() -> partitions.move(201, "/vmqos/vmqos-cpu1"))
                .isInstanceOfSatisfying(PartitionException.class, e -> assertThat(e.field()).isEqualTo("tid"))
                .hasMessageContaining("lives in cgroup /, outside /vmqos").hasMessageContaining("move its process into /vmqos first");
        partitions.adopt(200);
        partitions.adopt(200); // idempotent
        assertThat(partitions.cpusetOf(201)).isEqualTo("/vmqos");
        partitions.move(201, "/vmqos/vmqos-cpu1");
        assertThat(partitions.cpusetOf(201)).isEqualTo("/vmqos/vmqos-cpu1");
        assertThat(partitions.cpusetOf(200)).as("only the one thread moved").isEqualTo("/vmqos");
        assertThat(host.read("vmqos/vmqos-cpu1/cgroup.threads")).isEqualTo("201");
        assertThatThrownBy(() -> partitions.move(201, "/")).hasMessageContaining("only within its process's threaded domain");
        host.fs.log.clear();

        newPartitions().undo(PartitionChange.fromJson(change.toJson()));
        assertThat(host.fs.log).containsExactly(
                "write vmqos/vmqos-cpu1/cpuset.cpus.partition member", "write vmqos/cgroup.threads 201", "rmdir vmqos/vmqos-cpu1",
                "write cgroup.procs 200", "rmdir vmqos", "write cgroup.subtree_control -cpuset");
        assertThat(host.snapshot()).isEqualTo(before);
        assertThat(partitions.cpusetOf(201)).isEqualTo("/");
    }

    @Test
    void partitioningAgainChangesNothingAndUndoingTwiceIsSafe() throws Exception {
        List<String> before = host.snapshot();
        PartitionChange first = partitions.partition(CpuList.parse("3"));
        List<String> partitioned = host.snapshot();
        assertThat(partitions.partition(CpuList.parse("3")).changesNothing()).isTrue();
        host.fs.log.clear();
        partitions.apply(first);
        assertThat(host.fs.log).isEmpty();
        assertThat(host.snapshot()).isEqualTo(partitioned);
        partitions.undo(first);
        partitions.undo(first);
        assertThat(host.snapshot()).isEqualTo(before);
    }

    @Test
    void anExistingVmqosDomainGetsItsExclusiveCpusExtendedAndRestored() throws Exception {
        existingVmqos();
        host.fs.file("vmqos/cpuset.cpus.exclusive", "3");
        List<String> before = host.snapshot();
        PartitionChange change = partitions.plan(CpuList.parse("1"));
        assertThat(change.steps()).extracting(Step::describe).startsWith(
                "/vmqos/cpuset.cpus.exclusive = 1,3 (undo: 3)", "/vmqos/cgroup.subtree_control = +cpuset (undo: -cpuset)",
                "mkdir /vmqos/vmqos-cpu1");
        partitions.apply(change);
        partitions.undo(change);
        assertThat(host.snapshot()).isEqualTo(before);
    }

    @Test
    void aPartitionTheKernelMarksInvalidIsUndoneWithTheKernelsReason() throws Exception {
        List<String> before = host.snapshot();
        PartitionChange change = partitions.plan(CpuList.parse("2"));
        host.fs.file("cpuset.cpus.effective", "0-1,3"); // CPU 2 went away between plan and apply (hotplug, another partition)
        List<String> shrunk = host.snapshot();
        assertThatThrownBy(() -> partitions.apply(change)).isInstanceOf(PartitionException.class)
                .hasMessageContaining("reads 'root invalid (Parent unable to distribute cpu downstream)'")
                .hasMessageContaining("everything this change had applied was undone");
        assertThat(host.snapshot()).isEqualTo(shrunk).isNotEqualTo(before);
    }

    @Test
    void refusalsNameTheFieldAndTheFixAndChangeNothing() throws Exception {
        host.fs.file("cgroup.subtree_control", "cpuset");
        host.fs.kernel.mkdir(Files.createDirectory(host.cgroup.resolve("rt")));
        host.fs.file("rt/cpuset.cpus.exclusive", "2");
        host.fs.kernel.mkdir(Files.createDirectory(host.cgroup.resolve("lat")));
        host.fs.file("lat/cpuset.cpus", "3");
        host.fs.kernel.write(host.cgroup.resolve("lat/cpuset.cpus.partition"), "root"); // a partition of someone else holds CPU 3
        List<String> before = host.snapshot();
        host.fs.log.clear();

        assertRefused("0-2", "cpus", "would leave the root cgroup no CPU", "leave at least one CPU of 0-2 out");
        assertRefused("3", "cpus", "CPU 3 is not among the root partition's CPUs 0-2");
        assertRefused("2", "cpus", "cgroup /rt claims CPUs 2 in cpuset.cpus.exclusive", "remove the CPUs from its cpuset.cpus.exclusive");
        assertRefused("9", "cpus", "CPU 9 is offline");
        assertThat(host.fs.log).isEmpty();
        assertThat(host.snapshot()).isEqualTo(before);
    }

    @Test
    void refusesAVmqosCgroupItCannotUse() throws Exception {
        existingVmqos();
        host.fs.file("vmqos/cgroup.subtree_control", "memory");
        assertRefused("1", "cpuset", "enables the domain controller 'memory'", "echo -memory >");
        host.fs.file("vmqos/cgroup.subtree_control", "cpuset");
        host.fs.kernel.mkdir(Files.createDirectory(host.cgroup.resolve("vmqos/vmqos-cpu1")));
        assertRefused("1", "cpus", "cgroup /vmqos/vmqos-cpu1 exists but is not a valid partition of CPU 1 (cpuset.cpus.partition: member)");
    }

    @Test
    void withoutACpusetControllerThereIsNothingToPartition() throws Exception {
        Path unified = Files.createDirectories(dir.resolve("unified"));
        Files.writeString(unified.resolve("cgroup.controllers"), "hugetlb\n"); // cpuset is bound to v1, or disabled
        String mountinfo = "40 30 0:37 / " + unified + " rw,relatime - cgroup2 cgroup2 rw\n";
        FakeCgroupFs fs = new FakeCgroupFs(unified);
        assertThatThrownBy(() -> CpuPartitions.of(CpusetHierarchy.locate(mountinfo, fs)))
                .isInstanceOfSatisfying(PartitionException.class, e -> assertThat(e.field()).isEqualTo("cpuset"))
                .hasMessageContaining("no cpuset controller is mounted").hasMessageContaining("fix: mount -t cgroup -o cpuset");
        assertThat(CpuPartitions.of(Optional.of(host.hierarchy()))).isInstanceOf(CpusetV2Partitions.class);
    }

    /** A /vmqos made before (by an earlier change or the admin), with the root handing cpuset down. */
    void existingVmqos() throws Exception {
        host.fs.file("cgroup.subtree_control", "cpuset memory");
        host.fs.kernel.mkdir(Files.createDirectory(host.cgroup.resolve("vmqos")));
    }

    void assertRefused(String cpus, String field, String... message) {
        assertThatThrownBy(() -> partitions.partition(CpuList.parse(cpus)))
                .isInstanceOfSatisfying(PartitionException.class, e -> assertThat(e.field()).isEqualTo(field))
                .hasMessageContainingAll(message);
    }
}
