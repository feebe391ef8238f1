package io.vmqos.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Against a real paused QEMU (TCG, -S, one thread per vCPU, iothread io1, debug-threads=on): QMP commands,
 * events, and thread discovery via QMP, /proc and a libvirt-style pidfile, which must agree.
 */
class RealQemuTest {
    private static final String NAME = "vqqmp-test";
    private static QemuFixture qemu;

    @TempDir
    Path dir;

    @BeforeAll
    static void startQemu() throws Exception {
        assumeThat(QemuFixture.available()).as("qemu-system-x86_64 not installed (apt-get install qemu-system-x86)")
                .isTrue();
        qemu = QemuFixture.start(NAME, true);
    }

    @AfterAll
    static void stopQemu() {
        if (qemu != null) qemu.close();
        if (qemu != null) assertThat(qemu.process.isAlive()).isFalse();
    }

    @Test
    void greetingStatusAndArguments() {
        try (QmpClient c = QmpClient.connect(qemu.socket)) {
            assertThat(c.qemuVersion()).matches("\\d+\\.\\d+\\.\\d+");
            assertThat(c.greeting().path("capabilities").isArray()).isTrue();
            QmpStatus s = c.status();
            assertThat(s.running()).isFalse();
            assertThat(s.status()).isIn("prelaunch", "paused");
            JsonNode objects = c.execute("qom-list", QmpClient.args().put("path", "/objects"));
            assertThat(objects.findValuesAsText("name")).contains("io1");
        }
    }

    @Test
    void unknownCommandIsCommandFailed() {
        try (QmpClient c = QmpClient.connect(qemu.socket)) {
            assertThatThrownBy(() -> c.execute("vqqmp-no-such-command"))
                    .isInstanceOfSatisfying(QmpException.CommandFailed.class, e -> {
                        assertThat(e.command()).isEqualTo("vqqmp-no-such-command");
                        assertThat(e.errorClass()).isEqualTo("CommandNotFound");
                    });
            assertThat(c.status().running()).isFalse(); // the connection stays usable
        }
    }

    @Test
    void eventsAreQueuedApartFromReplies() {
        try (QmpClient c = QmpClient.connect(qemu.socket)) {
            c.execute("cont");
            c.execute("stop");
            assertThat(c.status().running()).isFalse();
            assertThat(c.drainEvents()).extracting(QmpEvent::name).containsSubsequence("RESUME", "STOP");
        }
    }

    @Test
    void concurrentCallersGetTheirOwnReplies() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (QmpClient c = QmpClient.connect(qemu.socket)) {
            List<Callable<String>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                calls.add(i % 2 == 0 ? () -> c.status().status()
                        : () -> c.execute("query-name").path("name").asText());
            }
            List<Future<String>> results = pool.invokeAll(calls);
            for (int i = 0; i < results.size(); i++) {
                String r = results.get(i).get();
                if (i % 2 == 0) assertThat(r).isIn("prelaunch", "paused");
                else assertThat(r).isEqualTo(NAME);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void discoveryViaQmpAndViaProcAgree() {
        VmThreads byQmp = VmDiscovery.viaQmp(qemu.socket);
        VmThreads byProc = VmDiscovery.viaProc(qemu.pid());
        System.out.println("QMP:  " + byQmp);
        System.out.println("proc: " + byProc);

        for (VmThreads t : List.of(byQmp, byProc)) {
            assertThat(t.pid()).isEqualTo(qemu.pid());
            assertThat(t.name()).isEqualTo(NAME);
            assertThat(t.vcpus()).hasSize(2).extracting(VmThread::name).containsExactly("vcpu0", "vcpu1");
            assertThat(t.vcpus()).extracting(VmThread::index).containsExactly(0, 1);
            assertThat(t.iothreads()).hasSize(1).extracting(VmThread::name).containsExactly("iothread io1");
            assertThat(t.mainLoop().tid()).isEqualTo(qemu.pid());
            assertThat(t.vhosts()).isEmpty();
            assertThat(t.threads()).extracting(VmThread::tid).doesNotHaveDuplicates();
        }
        assertThat(byQmp.source()).isEqualTo(VmThreads.Source.QMP);
        assertThat(byProc.source()).isEqualTo(VmThreads.Source.PROC);
        assertThat(byProc.tids(ThreadRole.VCPU)).containsExactly(byQmp.tids(ThreadRole.VCPU));
        assertThat(byProc.tids(ThreadRole.IOTHREAD)).containsExactly(byQmp.tids(ThreadRole.IOTHREAD));
        assertThat(byProc.tids(ThreadRole.MAIN_LOOP)).containsExactly(byQmp.tids(ThreadRole.MAIN_LOOP));
        // vCPU threads of the process really are named CPU n/TCG
        for (VmThread v : byQmp.vcpus()) {
            assertThat(new ProcView(Path.of("/proc")).taskComm(qemu.pid(), v.tid())).isEqualTo("CPU " + v.index() + "/TCG");
        }
    }

    @Test
    void socketOwnerIsFoundThroughProcNetUnix() {
        assertThat(SocketOwner.find(ProcView.system(), qemu.socket)).hasValue(qemu.pid());
    }

    /** Figures only (no timing asserts on a shared machine). */
    @Test
    void printsRoundTripAndDiscoveryTimes() {
        try (QmpClient c = QmpClient.connect(qemu.socket)) {
            for (int i = 0; i < 50; i++) c.status();
            int n = 500;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) c.status();
            long perCallUs = (System.nanoTime() - t0) / n / 1_000;
            long qmpUs = Long.MAX_VALUE; // best of 20: the first calls load and JIT-compile the /proc readers
            for (int i = 0; i < 20; i++) {
                long d0 = System.nanoTime();
                VmDiscovery.viaQmp(c);
                qmpUs = Math.min(qmpUs, (System.nanoTime() - d0) / 1_000);
            }
            System.out.printf("QMP query-status round trip: %d us mean over %d; viaQmp discovery on an open client (best of 20): %d us%n",
                    perCallUs, n, qmpUs);
        }
        long procUs = Long.MAX_VALUE;
        for (int i = 0; i < 20; i++) {
            long p0 = System.nanoTime();
            VmDiscovery.viaProc(qemu.pid());
            procUs = Math.min(procUs, (System.nanoTime() - p0) / 1_000);
        }
        System.out.printf("viaProc discovery (best of 20): %d us, over %d processes in /proc%n", procUs,
                ProcView.system().pids().length);
    }

    @Test
    void discoveryViaLibvirtPidfile() throws Exception {
        Files.writeString(dir.resolve("vqqmp-dom.pid"), qemu.pid() + "\n");
        VmThreads t = VmDiscovery.viaLibvirtDomain("vqqmp-dom", List.of(dir.resolve("missing"), dir),
                ProcView.system());
        assertThat(t.name()).isEqualTo("vqqmp-dom");
        assertThat(t.pid()).isEqualTo(qemu.pid());
        assertThat(t.tids(ThreadRole.VCPU)).containsExactly(VmDiscovery.viaProc(qemu.pid()).tids(ThreadRole.VCPU));
    }

    @Test
    void secondClientWaitsForTheFirst() {
        try (QmpClient first = QmpClient.connect(qemu.socket)) {
            assertThatThrownBy(() -> QmpClient.connect(qemu.socket, 500))
                    .isInstanceOfSatisfying(QmpException.Timeout.class,
                            e -> assertThat(e.getMessage()).contains("another client"));
            assertThat(first.status().running()).isFalse();
        }
    }
}
