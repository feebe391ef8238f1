package io.vmqos.linux;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The file sequences of the cgroup v1 and v2 rebuilds, against a fake cgroupfs in a temp directory. */
class CpusetRebuilderTest {
    @TempDir Path dir;

    @Test
    void v1BalancingRootIsFlippedAndRestored() throws Exception {
        FakeCgroupFs fs = new FakeCgroupFs(dir);
        fs.file("cpuset.sched_load_balance", "1");
        fs.file("cpuset.cpus", "0-1");
        String method = new CpusetV1Rebuilder(dir, fs).rebuild();
        assertThat(fs.log).containsExactly("write cpuset.sched_load_balance 0", "write cpuset.sched_load_balance 1");
        assertThat(fs.content("cpuset.sched_load_balance")).isEqualTo("1");
        assertThat(method).contains("1→0→1");
    }

    @Test
    void v1PartitionedRootFlipsTheFirstBalancedChildNotTheRoot() throws Exception {
        FakeCgroupFs fs = new FakeCgroupFs(dir);
        fs.file("cpuset.sched_load_balance", "0");
        fs.file("cpuset.cpus", "0-3");
        fs.file("a/cpuset.sched_load_balance", "0");
        fs.file("a/cpuset.cpus", "0-1");
        fs.file("a/deep/cpuset.sched_load_balance", "1");
        fs.file("a/deep/cpuset.cpus", "1");
        fs.file("b/cpuset.sched_load_balance", "1");
        fs.file("b/cpuset.cpus", "2-3");
        new CpusetV1Rebuilder(dir, fs).rebuild();
        assertThat(fs.log).containsExactly("write a/deep/cpuset.sched_load_balance 0", "write a/deep/cpuset.sched_load_balance 1");
        assertThat(fs.content("cpuset.sched_load_balance")).isEqualTo("0");
    }

    @Test
    void v1PartitionedRootWithoutBalancedChildFlipsRootTheOtherWay() throws Exception {
        FakeCgroupFs fs = new FakeCgroupFs(dir);
        fs.file("cpuset.sched_load_balance", "0");
        fs.file("cpuset.cpus", "0-1");
        new CpusetV1Rebuilder(dir, fs).rebuild();
        assertThat(fs.log).containsExactly("write cpuset.sched_load_balance 1", "write cpuset.sched_load_balance 0");
    }

    @Test
    void v1RestoresTheOriginalValueWhenTheFlipIsRefused() throws Exception {
        FakeCgroupFs fs = new FakeCgroupFs(dir);
        fs.file("cpuset.sched_load_balance", "1");
        fs.file("cpuset.cpus", "0-1");
        fs.failValue = "0";
        assertThatThrownBy(() -> new CpusetV1Rebuilder(dir, fs).rebuild()).isInstanceOf(LedgerUnavailableException.class)
                .hasMessageContaining("writing 0 to");
        assertThat(fs.log).containsExactly("write cpuset.sched_load_balance 0", "write cpuset.sched_load_balance 1");
    }

    @Test
    void v2CreatesATemporaryPartitionOnTheHighestCpuAndRemovesIt() throws Exception {
        FakeCgroupFs fs = new FakeCgroupFs(dir);
        fs.file("cgroup.subtree_control", "memory pids");
        fs.file("cpuset.cpus.effective", "0-3");
        String method = new CpusetV2Rebuilder(dir, fs).rebuild();
        assertThat(fs.log).containsExactly(
                "write cgroup.subtree_control +cpuset",
                "mkdir vqledger-rebuild",
                "write vqledger-rebuild/cpuset.cpus 3",
                "write vqledger-rebuild/cpuset.cpus.partition root",
                "write vqledger-rebuild/cpuset.cpus.partition member",
                "rmdir vqledger-rebuild",
                "write cgroup.subtree_control -cpuset");
        assertThat(Files.exists(dir.resolve("vqledger-rebuild"))).isFalse();
        assertThat(method).contains("temporary partition");
    }

    @Test
    void v2LeavesSubtreeControlAloneWhenCpusetIsAlreadyEnabled() throws Exception {
        FakeCgroupFs fs = new FakeCgroupFs(dir);
        fs.file("cgroup.subtree_control", "cpuset memory");
        fs.file("cpuset.cpus.effective", "0-1");
        new CpusetV2Rebuilder(dir, fs).rebuild();
        assertThat(fs.log).first().isEqualTo("mkdir vqledger-rebuild");
        assertThat(fs.log).last().isEqualTo("rmdir vqledger-rebuild");
    }

    @Test
    void v2CleansUpWhenThePartitionIsRefused() throws Exception {
        FakeCgroupFs fs = new FakeCgroupFs(dir);
        fs.file("cgroup.subtree_control", "");
        fs.file("cpuset.cpus.effective", "0-1");
        fs.failValue = "root";
        assertThatThrownBy(() -> new CpusetV2Rebuilder(dir, fs).rebuild()).isInstanceOf(LedgerUnavailableException.class);
        assertThat(fs.log).endsWith("rmdir vqledger-rebuild", "write cgroup.subtree_control -cpuset");
        assertThat(Files.exists(dir.resolve("vqledger-rebuild"))).isFalse();
    }

    @Test
    void v2WithOneRootCpuFlipsAnExistingPartitionAndRestoresIt() throws Exception {
        FakeCgroupFs fs = new FakeCgroupFs(dir);
        fs.file("cgroup.subtree_control", "cpuset");
        fs.file("cpuset.cpus.effective", "0");
        fs.file("plain/cpuset.cpus.partition", "member");
        fs.file("vms/cpuset.cpus.partition", "isolated");
        new CpusetV2Rebuilder(dir, fs).rebuild();
        assertThat(fs.log).containsExactly("write vms/cpuset.cpus.partition member", "write vms/cpuset.cpus.partition isolated");
    }

    @Test
    void v2WithNothingToFlipSaysHowToRepairByHand() throws Exception {
        FakeCgroupFs fs = new FakeCgroupFs(dir);
        fs.file("cgroup.subtree_control", "cpuset");
        fs.file("cpuset.cpus.effective", "0");
        assertThatThrownBy(() -> new CpusetV2Rebuilder(dir, fs).rebuild()).hasMessageContaining("fix: offline and online a CPU");
    }

    @Test
    void locatesV1CpusetBeforeCgroup2() {
        String mountinfo = """
                30 25 0:26 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
                33 25 0:29 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
                """;
        var h = CpusetHierarchy.locate(mountinfo, CgroupFs.real()).orElseThrow();
        assertThat(h.version()).isEqualTo(1);
        assertThat(h.root()).isEqualTo(Path.of("/sys/fs/cgroup/cpuset"));
    }
}
