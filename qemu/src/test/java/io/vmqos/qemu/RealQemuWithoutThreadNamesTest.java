package io.vmqos.qemu;

import io.vmqos.core.vm.VmThreads;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** A real QEMU started without debug-threads: /proc cannot tell its threads apart, QMP can; quit ends it. */
class RealQemuWithoutThreadNamesTest {

    @Test
    void procRefusesWithAHintWhileQmpWorksAndQuitStopsQemu() throws Exception {
        assumeThat(QemuFixture.available()).as("qemu-system-x86_64 not installed").isTrue();
        try (QemuFixture qemu = QemuFixture.start("vqqmp-plain", false)) {
            assertThatThrownBy(() -> VmDiscovery.viaProc(qemu.pid()))
                    .isInstanceOfSatisfying(VmDiscoveryException.NoThreadNames.class, e -> {
                        assertThat(e.pid()).isEqualTo(qemu.pid());
                        assertThat(e.getMessage()).contains("debug-threads=on").contains("--qmp");
                    });

            VmThreads t = VmDiscovery.viaQmp(qemu.socket);
            assertThat(t.pid()).isEqualTo(qemu.pid());
            assertThat(t.name()).isEqualTo("vqqmp-plain");
            assertThat(t.vcpus()).hasSize(2);
            assertThat(t.iothreads()).hasSize(1);
            assertThat(t.mainLoop().tid()).isEqualTo(qemu.pid());

            QmpClient c = QmpClient.connect(qemu.socket);
            c.quit();
            assertThat(c.isOpen()).isFalse();
            assertThat(qemu.process.waitFor(10, TimeUnit.SECONDS)).as("QEMU exits after quit").isTrue();
        }
    }
}
