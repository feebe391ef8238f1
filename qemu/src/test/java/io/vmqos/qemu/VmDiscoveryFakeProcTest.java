package io.vmqos.qemu;

import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Thread-role discovery on fake /proc trees: vhost on old and new kernels, TCG variants, missing names. */
class VmDiscoveryFakeProcTest {
    private static final String QEMU = "/usr/bin/qemu-system-x86_64";

    @TempDir
    Path dir;

    private FakeProc libvirtStyleQemu(int pid) {
        return new FakeProc(dir).process(pid, QEMU, "qemu-system-x86", QEMU, "-name",
                        "guest=web1,debug-threads=on", "-accel", "kvm")
                .task(pid, pid + 1, "call_rcu")
                .task(pid, pid + 2, "IO iothread1")
                .task(pid, pid + 3, "IO mon_iothread")
                .task(pid, pid + 4, "CPU 0/KVM")
                .task(pid, pid + 5, "CPU 1/KVM")
                .task(pid, pid + 6, "worker");
    }

    @Test
    void vhostWorkersInsideQemuOnNewKernels() {
        FakeProc proc = libvirtStyleQemu(1000).task(1000, 1010, "vhost-1000").task(1000, 1011, "vhost-1000");
        VmThreads t = VmDiscovery.viaProc(1000, proc.view(), null);
        assertThat(t.name()).isEqualTo("web1");
        assertThat(t.vcpus()).extracting(VmThread::tid).containsExactly(1004, 1005);
        assertThat(t.iothreads()).containsExactly(new VmThread(1002, ThreadRole.IOTHREAD, "iothread iothread1", 0));
        assertThat(t.mainLoop()).isEqualTo(new VmThread(1000, ThreadRole.MAIN_LOOP, "main-loop", 0));
        assertThat(t.vhosts()).extracting(VmThread::tid).containsExactly(1010, 1011);
        assertThat(t.vhosts()).extracting(VmThread::index).containsExactly(0, 1);
        assertThat(t.of(ThreadRole.OTHER)).extracting(VmThread::name)
                .containsExactly("call_rcu", "IO mon_iothread", "worker");
        assertThat(t.byRole()).containsOnlyKeys(ThreadRole.values());
    }

    @Test
    void vhostKernelThreadsOnOldKernels() {
        FakeProc proc = libvirtStyleQemu(1000)
                .process(2, null, "kthreadd")
                .process(2000, null, "vhost-1000")
                .process(2001, null, "vhost-10000") // another VM's worker: not ours
                .process(2002, null, "vhost-1000");
        VmThreads t = VmDiscovery.viaProc(1000, proc.view(), null);
        assertThat(t.vhosts()).extracting(VmThread::tid).containsExactly(2000, 2002);
        assertThat(t.vhosts()).extracting(VmThread::name).containsOnly("vhost-1000");
    }

    @Test
    void singleThreadedTcgCountsAsOneVcpu() {
        FakeProc proc = new FakeProc(dir).process(300, QEMU, "qemu-system-x86", QEMU, "-name", "a,debug-threads=on")
                .task(300, 301, "ALL CPUs/TCG");
        VmThreads t = VmDiscovery.viaProc(300, proc.view(), "override");
        assertThat(t.vcpus()).containsExactly(new VmThread(301, ThreadRole.VCPU, "vcpu0", 0));
        assertThat(t.name()).isEqualTo("override");
    }

    @Test
    void withoutDebugThreadsSaysSoAndSuggestsQmp() {
        FakeProc proc = new FakeProc(dir).process(400, QEMU, "qemu-system-x86", QEMU, "-name", "plain")
                .task(400, 401, "qemu-system-x86").task(400, 402, "qemu-system-x86");
        assertThatThrownBy(() -> VmDiscovery.viaProc(400, proc.view(), null))
                .isInstanceOfSatisfying(VmDiscoveryException.NoThreadNames.class, e -> {
                    assertThat(e.problem()).contains("(plain)").contains("'qemu-system-x86'");
                    assertThat(e.fix()).contains("-name NAME,debug-threads=on").contains("--qmp");
                });
    }

    @Test
    void qemuKvmBinaryIsAccepted() {
        FakeProc proc = new FakeProc(dir).process(500, "/usr/libexec/qemu-kvm", "qemu-kvm",
                        "/usr/libexec/qemu-kvm", "-name", "guest=r,debug-threads=on")
                .task(500, 501, "CPU 0/KVM");
        assertThat(VmDiscovery.viaProc(500, proc.view(), null).vcpus()).hasSize(1);
    }

    @Test
    void notQemuEvenWithQemuInArguments() {
        FakeProc proc = new FakeProc(dir).process(600, "/usr/bin/python3", "python3", "python3",
                "launch-qemu-system-x86_64.py");
        assertThatThrownBy(() -> VmDiscovery.viaProc(600, proc.view(), null))
                .isInstanceOf(VmDiscoveryException.NotQemu.class).hasMessageContaining("python3");
    }

    @Test
    void socketOwnerFromNetUnixAndFds() {
        Path sock = Path.of("/tmp/vqqmp-owner.sock");
        FakeProc proc = libvirtStyleQemu(1000)
                .process(900, "/usr/bin/bash", "bash", "bash").fd(900, 3, "socket:[555]")
                .fd(1000, 5, "pipe:[77]").fd(1000, 9, "socket:[4242]")
                .netUnix("0000000031407bc6: 00000002 00000000 00010000 0001 01 4242 /tmp/vqqmp-owner.sock",
                        "000000003ff0fafa: 00000003 00000000 00000000 0001 03 4243 /tmp/vqqmp-owner.sock",
                        "000000003ff0fafb: 00000003 00000000 00010000 0001 01 555 /tmp/other.sock");
        assertThat(SocketOwner.inodes(proc.view(), sock)).containsExactly(4242L);
        assertThat(SocketOwner.find(proc.view(), sock)).hasValue(1000);
        assertThat(SocketOwner.find(proc.view(), Path.of("/tmp/other.sock"))).isEmpty(); // bash is not qemu
        assertThat(SocketOwner.find(proc.view(), Path.of("/tmp/none.sock"))).isEmpty();
    }

    /** A QEMU in another network namespace lists its socket in its own /proc/PID/net/unix: found from the hint. */
    @Test
    void aHintedOwnerIsCheckedInItsOwnNetworkNamespace() throws Exception {
        Path sock = Path.of("/tmp/vqqmp-netns.sock");
        FakeProc proc = libvirtStyleQemu(1000).fd(1000, 9, "socket:[4343]")
                .netUnix("000000003ff0fafb: 00000003 00000000 00010000 0001 01 555 /tmp/other.sock");
        java.nio.file.Files.createDirectories(proc.root.resolve("1000/net"));
        java.nio.file.Files.writeString(proc.root.resolve("1000/net/unix"),
                "Num       RefCount Protocol Flags    Type St Inode Path\n"
                        + "0000000031407bc6: 00000002 00000000 00010000 0001 01 4343 /tmp/vqqmp-netns.sock\n");
        assertThat(SocketOwner.find(proc.view(), sock)).as("not in our namespace's table").isEmpty();
        assertThat(SocketOwner.find(proc.view(), sock, java.util.OptionalInt.of(1000))).hasValue(1000);
        assertThat(SocketOwner.find(proc.view(), sock, java.util.OptionalInt.of(900))).as("a hint that is not QEMU").isEmpty();
    }

    @Test
    void qmpThreadIdsFromAnotherPidNamespaceAreInconsistent() throws Exception {
        FakeProc proc = libvirtStyleQemu(1000);
        try (var srv = FakeQmpServer.afterHandshake(c -> {
            c.send("{\"return\": [{\"cpu-index\": 0, \"thread-id\": 7}], \"id\": " + c.readId() + "}\n");
            c.send("{\"return\": [], \"id\": " + c.readId() + "}\n");
            c.send("{\"return\": {}, \"id\": " + c.readId() + "}\n");
            c.readLine();
        }); QmpClient client = QmpClient.connect(srv.path, 3_000)) {
            // No qemu holds the fake socket and tid 7 is in no fake /proc: nothing links QMP to a process.
            assertThatThrownBy(() -> VmDiscovery.viaQmp(client, proc.view()))
                    .isInstanceOf(VmDiscoveryException.Inconsistent.class).hasMessageContaining("--pid");
        }
    }

    @Test
    void qmpDiscoveryOnFakeProcUsesTgidAndAddsVhost() throws Exception {
        FakeProc proc = libvirtStyleQemu(1000).task(1000, 1010, "vhost-1000");
        try (var srv = FakeQmpServer.afterHandshake(c -> {
            c.send("{\"return\": [{\"cpu-index\": 1, \"thread-id\": 1005}, {\"cpu-index\": 0, \"thread-id\": 1004}],"
                    + " \"id\": " + c.readId() + "}\n");
            c.send("{\"return\": [{\"id\": \"iothread1\", \"thread-id\": 1002}], \"id\": " + c.readId() + "}\n");
            c.send("{\"return\": {\"name\": \"web1\"}, \"id\": " + c.readId() + "}\n");
            c.readLine();
        }); QmpClient client = QmpClient.connect(srv.path, 3_000)) {
            VmThreads byQmp = VmDiscovery.viaQmp(client, proc.view());
            VmThreads byProc = VmDiscovery.viaProc(1000, proc.view(), null);
            assertThat(byQmp.threads()).isEqualTo(byProc.threads());
            assertThat(byQmp.name()).isEqualTo("web1");
        }
    }

    @Test
    void threadNamesAndCommandLine() {
        assertThat(ThreadNames.vcpuIndex("CPU 0/KVM")).isZero();
        assertThat(ThreadNames.vcpuIndex("CPU 17/TCG")).isEqualTo(17);
        assertThat(ThreadNames.vcpuIndex("CPU x/KVM")).isEqualTo(-1);
        assertThat(ThreadNames.vcpuIndex("CPU /KVM")).isEqualTo(-1);
        assertThat(ThreadNames.vcpuIndex("qemu-system-x86")).isEqualTo(-1);
        assertThat(ThreadNames.iothreadId("IO io1")).isEqualTo("io1");
        assertThat(ThreadNames.iothreadId("IO mon_iothread")).isNull();
        assertThat(ThreadNames.iothreadId("IO ")).isNull();
        assertThat(QemuCommandLine.parse(List.of("qemu", "-name", "guest=a,,b,debug-threads=on")))
                .isEqualTo(new QemuCommandLine("a,b", true));
        assertThat(QemuCommandLine.parse(List.of("qemu", "-name", "vm1"))).isEqualTo(new QemuCommandLine("vm1", false));
        assertThat(QemuCommandLine.parse(List.of("qemu", "-m", "128"))).isEqualTo(new QemuCommandLine("", false));
    }
}
