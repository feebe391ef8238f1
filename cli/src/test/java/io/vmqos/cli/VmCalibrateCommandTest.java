package io.vmqos.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vmqos vm calibrate}'s bad input: named, exit 2, before any VM is looked at. (The fit on a real VM: LiveCalibrationLabTest.) */
class VmCalibrateCommandTest extends io.vmqos.testing.CliTestSupport {
    @Test
    void badWindowsAndDurationsAreRefusedWithTheFix() {
        assertThat(run("vm", "calibrate", "--pid", "1", "--window", "100ms")).isEqualTo(2);
        assertThat(err).contains("--window").contains("too short").contains("fix: give at least 500ms");
        assertThat(run("vm", "calibrate", "--pid", "1", "--window", "2s", "--duration", "10s")).isEqualTo(2);
        assertThat(err).contains("--duration").contains("fewer than 8 windows").contains("give at least 16s");
        assertThat(run("vm", "calibrate", "--pid", "1", "--window", "2 parsecs")).isEqualTo(2);
        assertThat(err).contains("--window");
    }
}
