package io.vmqos.cli;

import io.vmqos.core.SchedPolicy;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.testing.TestThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The one-shot commands refuse SCHED_FLAG_RECLAIM (only the agent bounds it), naming the field and the fix, and change nothing. */
class ReclaimRefusalTest extends io.vmqos.testing.CliTestSupport {
    @TempDir Path dir;

    @Test
    void reserveWithReclaimIsRefused() throws Exception {
        try (TestThreads t = TestThreads.sleeping(1)) {
            assertThat(run("reserve", "--tid", String.valueOf(t.tid(0)), "--runtime", "1ms", "--period", "10ms", "--reclaim")).isEqualTo(1);
            assertThat(err).contains("--reclaim: refused, nothing changed").contains("95% of its CPU").contains("fix: give the VM reclaim: true");
            assertThat(new LinuxThreadScheduler().get(t.tid(0)).policy()).isEqualTo(SchedPolicy.OTHER);
        }
        assertThat(run("vm", "reserve", "--pid", "1", "--vcpu", "1ms/10ms", "--io", "1ms/10ms", "--reclaim")).isEqualTo(1);
        assertThat(err).contains("--reclaim: refused, nothing changed").contains("fix: start vmqos agent, which runs vm reserve --reclaim");
    }

    @Test
    void applyOfAFileWithAReclaimingVmIsRefused() throws Exception {
        Path f = dir.resolve("host.yaml");
        Files.writeString(f, "vms:\n  - name: web\n    pid: 1\n    reservations: {vcpu: 1ms/10ms}\n    reclaim: true\n");
        assertThat(run("apply", "-f", f.toString())).isEqualTo(1);
        assertThat(err).contains("vms[web].reclaim: refused, nothing changed").contains("fix: let the agent keep this file instead: vmqos agent -f");
        assertThat(run("plan", "-f", f.toString())).as("plan shows it: nothing is changed").isZero();
    }
}
