package io.vmqos.linux;

import io.vmqos.core.CpuList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DebugFs and DeadlineServers against a directory standing for debugfs (the non-lockdown path). */
class DebugFsTest {
    @TempDir Path dir;

    private void put(String rel, String content) throws Exception {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Test
    void readsServersWhenDebugfsShowsThem() throws Exception {
        put("sched/fair_server/cpu0/runtime", "50000000\n");
        put("sched/fair_server/cpu0/period", "1000000000\n");
        put("sched/fair_server/cpu1/runtime", "0\n"); // fair server disabled on CPU 1
        put("sched/fair_server/cpu1/period", "1000000000\n");
        put("sched/ext_server/cpu0/runtime", "25000000\n");
        put("sched/ext_server/cpu0/period", "1000000000\n");
        DebugFs fs = new DebugFs(dir, null);
        DeadlineServers.Result r = DeadlineServers.read(fs, CpuList.parse("0-1"));
        assertThat(r.warnings()).isEmpty();
        assertThat(r.servers()).extracting(s -> s.bandwidth().kernelUnits()).containsExactly(52428L, 26214L, 0L);
        assertThat(r.servers()).noneMatch(ServerBandwidth::assumed);
    }

    @Test
    void missingSchedDebugNamesTheFix() {
        assertThatThrownBy(() -> new DebugFs(dir, null).readSchedDebug()).isInstanceOf(LedgerUnavailableException.class)
                .hasMessageContaining("CONFIG_SCHED_DEBUG");
    }

    @Test
    void mountinfoIsParsedWithEscapes() {
        var m = MountTable.parse("""
                22 1 0:7 / /sys/kernel/debug rw,relatime - debugfs none rw
                40 1 0:50 / /mnt/with\\040space rw - tmpfs tmpfs rw,size=1k
                """);
        assertThat(m).extracting(MountTable.Mount::mountPoint).containsExactly("/sys/kernel/debug", "/mnt/with space");
        assertThat(m.get(1).hasOption("size=1k")).isTrue();
    }
}
