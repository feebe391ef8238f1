package io.vmqos.lab.libvirt;

import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.lab.Commands;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.GuestImageBuilder;
import io.vmqos.lab.Packages;
import io.vmqos.qemu.VmDiscovery;
import io.vmqos.qemu.VmDiscoveryException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real libvirt: starts the daemons (if not running), boots a transient TCG domain of the lab guest through
 * {@code virsh create}, discovers its threads through libvirt's pidfile, and checks that closing leaves no domain,
 * daemon, pidfile or file behind. Needs root and the packages in {@link LibvirtLab#PACKAGES}.
 */
class LibvirtLabTest {
    static LibvirtLab lab;
    static GuestImage image;
    static boolean libvirtdWasRunning;
    static String kvmModeBefore;
    static LibvirtDomain leftOpen;
    static List<String> cgroupsBefore;

    @BeforeAll
    static void startLibvirt() {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: libvirt's system daemon");
        image = new GuestImageBuilder().installMissing(true).build();
        libvirtdWasRunning = HostDaemon.LIBVIRTD.running().isPresent();
        kvmModeBefore = kvmMode();
        cgroupsBefore = machineCgroups();
        long t0 = System.nanoTime();
        lab = LibvirtLab.start();
        System.out.printf("libvirt lab up in %d ms: %s%n", (System.nanoTime() - t0) / 1_000_000, lab.setupSteps());
    }

    @AfterAll
    static void stopLibvirt() {
        if (lab == null) return;
        boolean started = lab.startedLibvirtd();
        lab.close();
        if (leftOpen != null) {
            assertThat(leftOpen.isAlive()).as("domain left open is destroyed by the lab").isFalse();
            assertThat(LibvirtDomain.pidFile(leftOpen.name())).doesNotExist();
            assertThat(leftOpen.consoleLog().getParent()).doesNotExist();
        }
        assertThat(Path.of("/run/libvirt/qemu")).isDirectoryNotContaining("glob:**/" + DomainSpec.NAME_PREFIX + "*");
        if (started) {
            assertThat(HostDaemon.LIBVIRTD.running()).isEqualTo(OptionalInt.empty());
            assertThat(machineCgroups()).as("machine cgroups created by our libvirtd are removed").isEqualTo(cgroupsBefore);
        }
        assertThat(kvmMode()).as("/dev/kvm group and mode restored").isEqualTo(kvmModeBefore);
        assertThat(lab.toString()).contains("LibvirtLab");
    }

    @Test
    void domainBootsAndItsThreadsAreFoundByRole() {
        DomainSpec spec = DomainSpec.random();
        LibvirtDomain d = lab.startDomain(image, spec);
        Path dir, pidfile = LibvirtDomain.pidFile(spec.name());
        int pid = d.pid();
        try {
            System.out.printf("%s: virsh create %d ms, boot to ready marker %d ms%n", d, d.createTime().toMillis(), d.bootTime().toMillis());
            dir = d.consoleLog().getParent();
            assertThat(d.console()).contains(GuestImage.READY_MARKER);
            assertThat(Virsh.allDomainNames()).contains(spec.name());
            assertThat(pidfile).exists();
            assertThat(threadNames(pid)).as("libvirt's QEMU names its threads like the lab's (debug-threads=on)")
                    .contains("CPU 0/TCG", "CPU 1/TCG", "IO iothread1");

            VmThreads vm = VmDiscovery.viaLibvirtDomain(spec.name());
            System.out.println("discovered: " + vm);
            assertThat(vm.pid()).isEqualTo(pid);
            assertThat(vm.name()).isEqualTo(spec.name());
            assertThat(vm.source()).isEqualTo(VmThreads.Source.PROC);
            assertThat(vm.mainLoop().tid()).isEqualTo(pid);
            assertThat(vm.vcpus()).hasSize(2).extracting(VmThread::index).containsExactly(0, 1);
            assertThat(vm.iothreads()).extracting(VmThread::name).containsExactly("iothread iothread1");
            assertThat(vm.of(ThreadRole.OTHER)).extracting(VmThread::name).contains("IO mon_iothread");
            assertThat(vm.vhosts()).isEmpty();
            // No host bridge or libvirt network came up: the domain uses QEMU's user-mode network only.
            assertThat(Commands.run(List.of("ip", "-o", "link"), Duration.ofSeconds(10)).stdout()).doesNotContain("virbr");
        } finally {
            d.close();
        }
        assertThat(d.isAlive()).isFalse();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(pidfile).doesNotExist();
        assertThat(dir).doesNotExist();
        assertThat(LibvirtDomain.qemuLog(spec.name())).doesNotExist();
        assertThat(Virsh.allDomainNames()).doesNotContain(spec.name());
        assertThatThrownBy(() -> VmDiscovery.viaLibvirtDomain(spec.name())).isInstanceOf(VmDiscoveryException.NoSuchDomain.class)
                .hasMessageContaining(spec.name());
        d.close(); // idempotent
    }

    @Test
    void oneVcpuDomainWithoutIothreadsLeftForTheLabToClose() {
        LibvirtDomain d = lab.startDomain(image, DomainSpec.random().withVcpus(1).withIothreads(0));
        leftOpen = d; // not closed here: LibvirtLab.close() must destroy it (checked in @AfterAll)
        VmThreads vm = VmDiscovery.viaLibvirtDomain(d.name());
        assertThat(vm.vcpus()).hasSize(1);
        assertThat(vm.iothreads()).isEmpty();
        assertThat(vm.mainLoop().tid()).isEqualTo(d.pid());
        System.out.printf("%s: virsh create %d ms, boot %d ms%n", d, d.createTime().toMillis(), d.bootTime().toMillis());
    }

    @Test
    void daemonsAreFoundRunning() {
        assertThat(HostDaemon.LIBVIRTD.running()).isPresent();
        assertThat(HostDaemon.VIRTLOGD.running()).isPresent();
        assertThat(Virsh.run("uri").stdout().strip()).isEqualTo(Virsh.URI);
        if (!libvirtdWasRunning) assertThat(lab.startedLibvirtd()).isTrue();
        assertThat(HostDaemon.LIBVIRTD.isLive((int) ProcessHandle.current().pid())).isFalse();
    }

    static String kvmMode() {
        return Commands.run(List.of("stat", "-c", "%U:%G %a", "/dev/kvm"), Duration.ofSeconds(5)).stdout().strip();
    }

    static List<String> machineCgroups() {
        try (var s = Files.list(Path.of("/sys/fs/cgroup"))) {
            return s.map(c -> c.resolve("machine")).filter(Files::isDirectory).map(Path::toString).sorted().toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    static List<String> threadNames(int pid) {
        try (var s = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
            return s.map(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip();
                } catch (java.io.IOException e) {
                    return "";
                }
            }).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
