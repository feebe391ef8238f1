package io.vmqos.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmqos.core.SchedPolicy;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.lab.load.ChildLoadRun;
import io.vmqos.lab.load.LoadResult;
import io.vmqos.lab.load.LoadSpec;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.qemu.VmDiscovery;
import io.vmqos.testing.HostGuard;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real guest (TCG here) in the lab network: its threads found through QMP and through /proc agree; the CLI
 * reserves and releases them by role (read back with sched_getattr); a short isolated load gets every reply.
 */
@ExtendWith(HostGuard.class)
class VmReservationIntegrationTest extends io.vmqos.testing.CliTestSupport {
    private static LabNetwork net;
    private static LabVm vm;
    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();

    @BeforeAll
    static void boot() {
        assumeTrue(Packages.isRoot(), "needs root: network namespaces, taps and SCHED_DEADLINE");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun on this machine");
        GuestImage image = GuestImage.ensureBuilt();
        net = LabNetwork.create("r" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36),
                100 + ThreadLocalRandom.current().nextInt(100));
        vm = new VmLauncher().accel(Accel.TCG).launch(net.nextVm(image).withCpus(2));
    }

    @AfterAll
    static void shutdown() {
        if (vm != null) vm.close();
        if (net != null) net.close();
    }


    @Test
    void qmpAndProcDiscoveryAgree() {
        VmThreads viaQmp = VmDiscovery.viaQmp(vm.qmpSocket());
        VmThreads viaProc = VmDiscovery.viaProc((int) vm.pid());
        assertThat(viaQmp.pid()).isEqualTo((int) vm.pid());
        assertThat(viaQmp.vcpus()).hasSize(2);
        assertThat(viaProc.tids(ThreadRole.VCPU)).containsExactlyInAnyOrder(viaQmp.tids(ThreadRole.VCPU));
        assertThat(viaProc.mainLoop().tid()).isEqualTo(viaQmp.mainLoop().tid()).isEqualTo((int) vm.pid());
    }

    @Test
    void cliReservesAndReleasesTheVmThreadsByRole() throws Exception {
        String qmp = vm.qmpSocket().toString();
        VmThreads t = VmDiscovery.viaQmp(vm.qmpSocket());
        try {
            assertThat(run("vm", "reserve", "--qmp", qmp, "--vcpu", "2ms/10ms", "--io", "1ms/10ms")).as(err).isZero();
            for (VmThread v : t.vcpus()) assertThat(sched.get(v.tid()).reservation().toString()).isEqualTo("2ms/10ms");
            assertThat(sched.get(t.mainLoop().tid()).reservation().toString()).isEqualTo("1ms/10ms");
            assertThat(run("vm", "reserve", "--pid", String.valueOf(vm.pid()), "--vcpu", "2ms/10ms", "--io", "1ms/10ms")).isZero();
            assertThat(out).contains("reserved 0 thread(s)");
            assertThat(run("vm", "show", "--qmp", qmp, "--json", "--sample", "200ms")).as(err).isZero();
            JsonNode j = new ObjectMapper().readTree(out);
            assertThat(j.get("threads").toString()).contains("\"role\":\"VCPU\"").contains("\"policy\":\"DEADLINE\"").contains("MAIN_LOOP");
        } finally {
            assertThat(run("vm", "release", "--qmp", qmp)).as(err).isZero();
        }
        for (VmThread v : t.threads()) assertThat(sched.get(v.tid()).policy()).isNotEqualTo(SchedPolicy.DEADLINE);
    }

    @Test
    void shortIsolatedLoadGetsEveryReply() {
        LoadResult r = ChildLoadRun.run(List.of("ip", "netns", "exec", net.clientNamespace()),
                LoadSpec.paced(new InetSocketAddress(vm.guestIp(), vm.echoPort()), 1000, 64, 2_000_000_000L));
        System.out.printf("lab VM echo: %d requests, %d replies, p50 %d us, p99 %d us%n", r.requests(), r.replies(),
                r.latency().p50Nanos() / 1000, r.latency().p99Nanos() / 1000);
        assertThat(r.requests()).isGreaterThanOrEqualTo(1000);
        assertThat(r.lost()).isZero();
    }

    @Test
    void applyFromAConfigReservesThePathsNapiThreadsToo() throws Exception {
        Path cfg = Files.createTempFile("vq-host", ".yaml");
        Files.writeString(cfg, """
                vms:
                  - name: labvm
                    qmp: %s
                    reservations: {napi: 500us/5ms, io: 1ms/10ms, vcpu: 2ms/10ms}
                """.formatted(vm.qmpSocket()));
        List<Integer> napi = new ArrayList<>();
        try {
            assertThat(run("apply", "-f", cfg.toString())).as(err + out).isZero();
            for (var p : new io.vmqos.linux.ProcFs().processes()) {
                String comm = new io.vmqos.linux.ProcFs().comm(p).orElse("");
                if (comm.startsWith("napi/vqb-" + net.id())) napi.add(p);
            }
            assertThat(napi).as("threaded NAPI threads of the lab's bridge-side veth").isNotEmpty();
            for (int tid : napi) assertThat(sched.get(tid).reservation().toString()).isEqualTo("500us/5ms");
            assertThat(out).contains("napi");
        } finally {
            assertThat(run("release", "-f", cfg.toString())).as(err).isZero();
            Files.deleteIfExists(cfg);
        }
        for (int tid : napi) assertThat(sched.get(tid).policy()).isEqualTo(SchedPolicy.OTHER);
    }

    @Test
    void notQemuAndNotQmpAreRefused() throws Exception {
        assertThat(run("vm", "show", "--pid", String.valueOf(ProcessHandle.current().pid()))).isEqualTo(2);
        assertThat(err).contains("not QEMU");
        Path plain = Files.createTempFile("vq-not-qmp", ".sock");
        try {
            assertThat(run("vm", "reserve", "--qmp", plain.toString(), "--vcpu", "1ms/10ms", "--io", "1ms/10ms")).isEqualTo(1);
            assertThat(err).containsIgnoringCase("qmp");
        } finally {
            Files.deleteIfExists(plain);
        }
        assertThat(run("vm", "reserve", "--vcpu", "1ms/10ms", "--io", "1ms/10ms")).isEqualTo(2);
        assertThat(err).contains("--qmp/--pid/--domain");
        assertThat(run("vm", "reserve", "--qmp", vm.qmpSocket().toString(), "--vcpu", "20ms/10ms", "--io", "1ms/10ms")).isEqualTo(2);
        assertThat(err).contains("--vcpu");
    }
}
