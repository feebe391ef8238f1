package io.vmqos.linux;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class KernelParametersTest {
    @Test
    void readsWholeSysctlValuesNotJustTheFirstDigit() throws Exception {
        Path f = Path.of("/proc/sys/kernel/sched_rt_period_us");
        Assumptions.assumeTrue(Files.exists(f), "no sched_rt_period_us on this kernel");
        String text = new String(new ProcessBuilder("cat", f.toString()).start().getInputStream().readAllBytes()).strip();
        KernelParameters k = new KernelParameters();
        assertThat(k.rtPeriodUs()).isEqualTo(Long.parseLong(text));
        assertThat(k.limits().periodMinNs()).isGreaterThanOrEqualTo(1000);
        assertThat(k.limits().periodMinNs() * 1000).isLessThanOrEqualTo(k.limits().periodMaxNs());
    }
}
