package io.vmqos.qemu;

import io.vmqos.core.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Discovery refuses processes that are not QEMU and domains that do not run, with the fix in the message. */
class VmDiscoveryRefusalTest {
    private static final int OWN_PID = (int) ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @Test
    void ownJvmIsNotQemu() {
        assertThatThrownBy(() -> VmDiscovery.viaProc(OWN_PID))
                .isInstanceOf(VmDiscoveryException.NotQemu.class)
                .hasMessageContaining("process " + OWN_PID + " is not QEMU").hasMessageContaining("java")
                .hasMessageContaining("pgrep");
        assertThatThrownBy(() -> VmDiscovery.requireQemu(OWN_PID)).isInstanceOf(VmDiscoveryException.NotQemu.class);
    }

    @Test
    void kernelThreadIsNotQemu() {
        assertThatThrownBy(() -> VmDiscovery.viaProc(2)).isInstanceOf(VmDiscoveryException.NotQemu.class)
                .hasMessageContaining("kthreadd");
    }

    @Test
    void missingPid() {
        assertThatThrownBy(() -> VmDiscovery.viaProc(0)).isInstanceOf(VmDiscoveryException.NoSuchProcess.class);
        assertThatThrownBy(() -> VmDiscovery.viaProc(999_999_999))
                .isInstanceOf(VmDiscoveryException.NoSuchProcess.class).hasMessageContaining("no process with pid");
    }

    @Test
    void libvirtDomainWithoutPidfile() {
        assertThatThrownBy(() -> VmDiscovery.viaLibvirtDomain("vqqmp-no-such-domain"))
                .isInstanceOf(VmDiscoveryException.NoSuchDomain.class)
                .hasMessageContaining("vqqmp-no-such-domain").hasMessageContaining("virsh");
    }

    @Test
    void libvirtStalePidfileAndNonQemuPid() throws Exception {
        Files.writeString(dir.resolve("stale.pid"), "999999999\n");
        Files.writeString(dir.resolve("mine.pid"), OWN_PID + "\n");
        Files.writeString(dir.resolve("junk.pid"), "hello\n");
        assertThatThrownBy(() -> VmDiscovery.viaLibvirtDomain("stale", List.of(dir), ProcView.system()))
                .isInstanceOf(VmDiscoveryException.NoSuchDomain.class).hasMessageContaining("stale pidfile");
        assertThatThrownBy(() -> VmDiscovery.viaLibvirtDomain("mine", List.of(dir), ProcView.system()))
                .isInstanceOf(VmDiscoveryException.NotQemu.class);
        assertThatThrownBy(() -> VmDiscovery.viaLibvirtDomain("junk", List.of(dir), ProcView.system()))
                .isInstanceOf(VmDiscoveryException.NoSuchDomain.class).hasMessageContaining("not a pid");
    }

    @Test
    void badDomainNames() {
        for (String bad : new String[] {"", "  ", "../etc/passwd", "a/b", ".."}) {
            assertThatThrownBy(() -> VmDiscovery.viaLibvirtDomain(bad)).isInstanceOf(InvalidInputException.class);
        }
        assertThatThrownBy(() -> VmDiscovery.viaLibvirtDomain(null)).isInstanceOf(InvalidInputException.class);
    }
}
