package io.vmqos.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vmqos.core.InvalidInputException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuCommandLineTest {
    static final GuestImage IMAGE = new GuestImage(Path.of("/c/k"), Path.of("/c/k/vmlinuz"), Path.of("/c/k/initrd.gz"),
            "6.1.0-56-amd64", List.of("virtio", "virtio_net"), GuestImageKey.of(java.util.Map.of("a", "b")));
    static final QemuCommandLine.RunFiles FILES = QemuCommandLine.RunFiles.in(Path.of("/tmp/r"));

    @Test
    void tcgInNamespaceIsWrappedInIpNetnsExecAndHasEveryPiece() {
        VmSpec spec = VmSpec.of("vm0", IMAGE, "10.213.5.2/24", "tap0", "vqlab-x-br").withCpus(3).withMemoryMiB(128);
        List<String> c = QemuCommandLine.build(spec, Accel.TCG, FILES, false);
        assertThat(c.subList(0, 5)).containsExactly("ip", "netns", "exec", "vqlab-x-br", "qemu-system-x86_64");
        assertThat(String.join(" ", c))
                .contains("-name vm0,debug-threads=on")
                .contains("-accel tcg,thread=multi")
                .contains("-m 128 -smp 3")
                .contains("-kernel /c/k/vmlinuz -initrd /c/k/initrd.gz")
                .contains("-serial file:/tmp/r/console.log")
                .contains("-qmp unix:/tmp/r/qmp.sock,server=on,wait=off")
                .contains("-pidfile /tmp/r/qemu.pid")
                .contains("-netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off")
                .contains("-device virtio-net-pci,netdev=n0,mac=" + spec.mac())
                .doesNotContain("kvm");
        int append = c.indexOf("-append");
        assertThat(c.get(append + 1)).isEqualTo("console=ttyS0 quiet panic=-1 vmqos.ip=10.213.5.2/24 vmqos.echo_port=7");
    }

    @Test
    void kvmWithoutNamespaceStartsWithQemuAndUsesHostCpuAndVhost() {
        VmSpec spec = VmSpec.of("vm1", IMAGE, "10.0.0.2/24", "tap1", null).withEchoPort(7007);
        List<String> c = QemuCommandLine.build(spec, Accel.KVM, FILES, true);
        assertThat(c.getFirst()).isEqualTo("qemu-system-x86_64");
        assertThat(String.join(" ", c)).contains("-accel kvm -cpu host").contains("vhost=on").contains("vmqos.echo_port=7007");
    }

    @Test
    void macIsStableLocallyAdministeredAndDiffersByName() {
        assertThat(VmSpec.macFor("a")).isEqualTo(VmSpec.macFor("a")).startsWith("52:54:00:").matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
        assertThat(VmSpec.macFor("vqlab-x-vm0")).isNotEqualTo(VmSpec.macFor("vqlab-x-vm1"));
    }

    @Test
    void badSpecsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> VmSpec.of("bad name", IMAGE, "10.0.0.2/24", "tap0", null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("vm.name");
        assertThatThrownBy(() -> VmSpec.of("ok", IMAGE, "10.0.0.2", "tap0", null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("vm.guestCidr");
        assertThatThrownBy(() -> VmSpec.of("ok", IMAGE, "10.0.0.2/24", "a-tap-name-too-long", null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("vm.tap");
        assertThatThrownBy(() -> VmSpec.of("ok", IMAGE, "10.0.0.2/24", "tap0", null).withMemoryMiB(16))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("vm.memoryMiB");
    }

    @Test
    void forcedAccelMeansNoFallback() {
        assertThat(new VmLauncher().accel(Accel.TCG).plan()).containsExactly(Accel.TCG);
        assertThat(new VmLauncher().accel(Accel.KVM).plan()).containsExactly(Accel.KVM);
        List<Accel> auto = new VmLauncher().accel(null).plan();
        assertThat(auto.getLast()).isEqualTo(Accel.TCG);
    }

    @Test
    void namespaceCommandWrapping() {
        assertThat(LabNetwork.commandInNamespace("ns1", List.of("ping", "-c", "1", "10.213.0.2")))
                .containsExactly("ip", "netns", "exec", "ns1", "ping", "-c", "1", "10.213.0.2");
    }
}
