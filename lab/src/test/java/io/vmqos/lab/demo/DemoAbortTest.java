package io.vmqos.lab.demo;

import io.vmqos.lab.LabSetupException;
import io.vmqos.lab.Packages;
import io.vmqos.testing.HostGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The demo stops cleanly when its VM dies midway, and refuses a missing package with the install line. */
@ExtendWith(HostGuard.class)
class DemoAbortTest {
    @Test
    void vmExitingMidDemoAbortsWithAClearErrorAndCleansUp() throws Exception {
        assumeTrue(Packages.isRoot(), "needs root: the demo boots a VM in network namespaces");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun on this machine");
        Path report = Files.createTempDirectory("vq-demo-abort");
        DemoOptions o = new DemoOptions(1_000_000_000L, 500, 64, 1, 2, report,
                List.of(Scenario.ISOLATED, Scenario.NOISY), null, null, 1, 10, 20);
        AtomicBoolean killed = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<String> lab = new java.util.concurrent.atomic.AtomicReference<>();
        DemoRunner runner = new DemoRunner(o, line -> {
            System.out.println("demo: " + line);
            var m = java.util.regex.Pattern.compile("lab network (vqlab-[a-z0-9]+) ").matcher(line);
            if (m.find()) lab.set(m.group(1));
            if (line.startsWith("round 1/1") && killed.compareAndSet(false, true)) {
                try {
                    new ProcessBuilder("pkill", "-9", "-f", "qemu-system-x86_64 -name " + lab.get()).start().waitFor();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        assertThatThrownBy(runner::run).isInstanceOf(DemoAbortedException.class).hasMessageContaining("the VM exited during scenario");
        String netns = new String(new ProcessBuilder("ip", "netns", "list").start().getInputStream().readAllBytes());
        assertThat(lab.get()).isNotNull();
        assertThat(netns).doesNotContain(lab.get());
        String procs = new String(new ProcessBuilder("pgrep", "-af", lab.get()).start().getInputStream().readAllBytes());
        assertThat(procs).doesNotContain("qemu-system");
        String noise = new String(new ProcessBuilder("pgrep", "-af", "stress-ng").start().getInputStream().readAllBytes());
        assertThat(noise).doesNotContain("--cpu 2");
    }

    @Test
    void missingPackageIsRefusedWithTheInstallLine() {
        assertThat(Packages.missing(List.of("vmqos-no-such-package"))).containsExactly("vmqos-no-such-package");
        assertThatThrownBy(() -> Packages.ensure(List.of("vmqos-no-such-package")))
                .isInstanceOf(LabSetupException.class).hasMessageContaining("vmqos-no-such-package");
    }

    @Test
    void badOptionsNameTheOption() {
        assertThatThrownBy(() -> new DemoOptions(10, 500, 64, 1, 2, Path.of("x"), List.of(Scenario.ISOLATED), null, null, 1, 10, 20))
                .hasMessageContaining("--duration");
        assertThatThrownBy(() -> new DemoOptions(2_000_000_000L, 0, 64, 1, 2, Path.of("x"), List.of(Scenario.ISOLATED), null, null, 1, 10, 20))
                .hasMessageContaining("--rate");
        assertThatThrownBy(() -> Scenario.parseList("--scenarios", "isolated,bogus")).hasMessageContaining("bogus");
    }
}
