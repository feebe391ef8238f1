package io.vmqos.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real end-to-end lab: builds the guest image (first run downloads the ~70 MB kernel package), boots it under
 * TCG in a fresh lab network, pings it and gets a UDP echo from the client namespace, probes QMP, and checks
 * that closing leaves no QEMU, namespace or device behind. Needs root, qemu-system-x86, iproute2, ethtool.
 */
class LabVmIntegrationTest {
    static GuestImage image;
    final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void buildImage() {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: network namespaces and taps");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun on this machine");
        Packages.ensure(Packages.LAB);
        long t0 = System.nanoTime();
        image = new GuestImageBuilder().installMissing(true).build();
        System.out.printf("guest image %s ready in %d ms (kernel %s, modules %s)%n", image.directory(),
                (System.nanoTime() - t0) / 1_000_000, image.kernelRelease(), image.modules());
    }

    @AfterEach
    void closeAll() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    static String newId() {
        return "t" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    }

    @Test
    void bootPingEchoQmpAndCleanTeardown() throws Exception {
        String id = newId();
        LabNetwork net = LabNetwork.create(id, 100 + ThreadLocalRandom.current().nextInt(100));
        open.add(net);
        assertThat(LabNetwork.threadedNapi(net.clientNamespace(), net.clientVeth())).isTrue();
        assertThat(LabNetwork.threadedNapi(net.bridgeNamespace(), net.bridgeVeth())).isTrue();

        LabVm vm = new VmLauncher().accel(Accel.TCG).launch(net.nextVm(image));
        open.add(vm);
        System.out.printf("%s booted under %s in %d ms%n", vm, vm.accel(), vm.bootTime().toMillis());
        assertThat(vm.accel()).isEqualTo(Accel.TCG);
        assertThat(vm.failedAttempts()).isEmpty();
        assertThat(vm.isAlive()).isTrue();
        assertThat(Files.readString(Path.of("/proc/" + vm.pid() + "/comm")).strip()).startsWith("qemu-system-x86");
        assertThat(threadNames(vm.pid())).anyMatch(n -> n.startsWith("CPU 0/TCG"));
        assertThat(vm.console()).contains(GuestImage.READY_MARKER + " port=7");

        Commands.Result ping = Commands.run(net.commandInNamespace(net.clientNamespace(),
                List.of("ping", "-c", "3", "-i", "0.2", "-W", "5", vm.guestIp())), Duration.ofSeconds(30));
        assertThat(ping.exitCode()).as(ping.stdout() + ping.stderr()).isZero();
        assertThat(ping.stdout()).contains("3 received");

        assertThat(udpEcho(net.clientNamespace(), vm.guestIp(), vm.echoPort(), "hello-vmqos")).isEqualTo("hello-vmqos");

        JsonNode status = vm.qmp("query-status", Duration.ofSeconds(5));
        assertThat(status.path("status").asText()).isEqualTo("running");

        long pid = vm.pid();
        Path qmp = vm.qmpSocket();
        vm.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(qmp).doesNotExist();
        net.close();
        assertThat(Path.of("/run/netns", net.bridgeNamespace())).doesNotExist();
        assertThat(Path.of("/run/netns", net.clientNamespace())).doesNotExist();
        assertThat(Commands.run(List.of("ip", "netns", "list"), Duration.ofSeconds(10)).stdout()).doesNotContain("vqlab-" + id);
        assertThat(Commands.run(List.of("ip", "-o", "link"), Duration.ofSeconds(10)).stdout())
                .doesNotContain("vqc-" + id).doesNotContain("vqb-" + id);
        assertThat(qemuProcessesMentioning("vqlab-" + id)).isEmpty();
    }

    @Test
    void twoVmsShareTheBridgeAndBothEcho() throws Exception {
        String id = newId();
        LabNetwork net = LabNetwork.create(id, 100 + ThreadLocalRandom.current().nextInt(100));
        open.add(net);
        // First VM in auto mode: KVM when it works, else (as on nested hosts) a recorded fallback to TCG.
        LabVm a = new VmLauncher().accel(null).launch(net.nextVm(image));
        open.add(a);
        System.out.printf("auto mode booted under %s; failed attempts: %s%n", a.accel(), a.failedAttempts());
        if (a.accel() == Accel.TCG && VmLauncher.kvmUsable()) assertThat(a.failedAttempts()).hasSize(1).allMatch(f -> f.startsWith("KVM"));
        VmLauncher launcher = new VmLauncher().accel(Accel.TCG);
        LabVm b = launcher.launch(net.nextVm(image).withCpus(1));
        open.add(b);
        System.out.printf("two VMs: %s, %s%n", a, b);
        assertThat(net.taps()).containsExactly("tap0", "tap1");
        assertThat(a.guestIp()).isNotEqualTo(b.guestIp());
        assertThat(udpEcho(net.clientNamespace(), a.guestIp(), 7, "to-a")).isEqualTo("to-a");
        assertThat(udpEcho(net.clientNamespace(), b.guestIp(), 7, "to-b")).isEqualTo("to-b");
        b.close();
        a.close();
        net.close();
        assertThat(qemuProcessesMentioning("vqlab-" + id)).isEmpty();
    }

    /** Sends one datagram from a socket created inside {@code ns} and returns the echo (retries for ARP/boot races). */
    static String udpEcho(String ns, String ip, int port, String text) throws IOException {
        try (DatagramChannel ch = NetnsSockets.openDatagram(ns)) {
            ch.connect(new InetSocketAddress(ip, port));
            ch.socket().setSoTimeout(2000);
            byte[] out = text.getBytes(StandardCharsets.UTF_8);
            for (int attempt = 0; attempt < 5; attempt++) {
                ch.socket().send(new DatagramPacket(out, out.length));
                DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
                try {
                    ch.socket().receive(in);
                    return new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
                } catch (SocketTimeoutException e) {
                    // retry
                }
            }
            return null;
        }
    }

    static List<String> threadNames(long pid) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return s.map(t -> LabVm.readQuietly(t.resolve("comm")).strip()).toList();
        }
    }

    static List<Long> qemuProcessesMentioning(String text) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("qemu-system") && c.contains(text)).orElse(false))
                .map(ProcessHandle::pid).toList();
    }
}
