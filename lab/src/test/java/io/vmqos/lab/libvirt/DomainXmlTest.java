package io.vmqos.lab.libvirt;

import io.vmqos.core.InvalidInputException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The domain XML is a TCG, direct-kernel-boot domain with a file console and user-mode networking only. */
class DomainXmlTest {
    private static final Path K = Path.of("/var/lib/libvirt/images/vmqos-lab/d/vmlinuz");
    private static final Path I = Path.of("/var/lib/libvirt/images/vmqos-lab/d/initrd.gz");
    private static final Path C = Path.of("/var/lib/libvirt/images/vmqos-lab/d/console.log");

    @Test
    void tcgDomainWithKernelConsoleAndUserNet() {
        String x = DomainXml.build(new DomainSpec("vqlv-abc", 2, 256, 1, 7), K, I, C);
        assertThat(x).startsWith("<domain type='qemu'>")
                .contains("<name>vqlv-abc</name>", "<memory unit='MiB'>256</memory>", "<vcpu placement='static'>2</vcpu>",
                        "<iothreads>1</iothreads>", "<type arch='x86_64' machine='pc'>hvm</type>",
                        "<kernel>" + K + "</kernel>", "<initrd>" + I + "</initrd>",
                        "<cmdline>console=ttyS0 quiet panic=-1 vmqos.ip=10.0.2.15/24 vmqos.echo_port=7</cmdline>",
                        "<serial type='file'>", "<source path='" + C + "'/>", "<interface type='user'>",
                        "<model type='virtio'/>", "<on_crash>destroy</on_crash>")
                .doesNotContain("bridge", "network=", "type='kvm'", "<disk");
    }

    @Test
    void noIothreadsElementWhenZero() {
        assertThat(DomainXml.build(new DomainSpec("d", 1, 128, 0, 7), K, I, C)).doesNotContain("iothreads");
    }

    @Test
    void pathsAreEscaped() {
        String x = DomainXml.build(new DomainSpec("d", 1, 128, 0, 7), Path.of("/a'b&<c>"), I, Path.of("/x'y"));
        assertThat(x).contains("<kernel>/a&apos;b&amp;&lt;c&gt;</kernel>", "<source path='/x&apos;y'/>");
    }

    @Test
    void randomNamesAreUniqueAndPrefixed() {
        DomainSpec a = DomainSpec.random(), b = DomainSpec.random();
        assertThat(a.name()).startsWith(DomainSpec.NAME_PREFIX).isNotEqualTo(b.name());
        assertThat(a.vcpus()).isEqualTo(2);
        assertThat(a.iothreads()).isEqualTo(1);
    }

    @Test
    void badSpecsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> new DomainSpec("a/b", 1, 256, 0, 7)).isInstanceOf(InvalidInputException.class).hasMessageContaining("domain.name");
        assertThatThrownBy(() -> new DomainSpec("a", 0, 256, 0, 7)).hasMessageContaining("domain.vcpus");
        assertThatThrownBy(() -> new DomainSpec("a", 1, 32, 0, 7)).hasMessageContaining("domain.memoryMiB");
        assertThatThrownBy(() -> new DomainSpec("a", 1, 256, 9, 7)).hasMessageContaining("domain.iothreads");
    }

    @Test
    void octalModeForTheRestoreHint() {
        assertThat(KvmDeviceAccess.octal(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"))).isEqualTo("600");
        assertThat(KvmDeviceAccess.octal(java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-r--"))).isEqualTo("664");
    }
}
