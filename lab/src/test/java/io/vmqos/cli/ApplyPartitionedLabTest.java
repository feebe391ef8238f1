package io.vmqos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmqos.host.RunDir;
import io.vmqos.host.service.SystemHost;
import io.vmqos.lab.Accel;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.GuestImageBuilder;
import io.vmqos.lab.LabNetwork;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.Packages;
import io.vmqos.lab.VmLauncher;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.net.ClassStats;
import io.vmqos.linux.net.IpRoute;
import io.vmqos.linux.net.LinkShaper;
import io.vmqos.testing.CliTestSupport;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.HostSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code vmqos apply -f} on a real lab VM with {@code shaping} and {@code partitioned: true} on this 2-CPU host: the tc
 * classes read back with the configured rates, an exclusive cpuset (a root domain of its own) is made for the CPU the
 * plan placed the threads on, the threads are pinned there (and {@code vmqos show} says so), and {@code release -f}
 * puts the threads, tc, NAPI, cpusets and IRQ affinity back exactly.
 */
@ExtendWith(HostGuard.class)
class ApplyPartitionedLabTest extends CliTestSupport {
    final List<AutoCloseable> open = new ArrayList<>();
    final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    final ProcFs proc = new ProcFs();
    @TempDir Path tmp;

    @BeforeEach
    void setUp() {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: network namespaces, taps, SCHED_DEADLINE, cpusets");
        assumeTrue(Files.isDirectory(Path.of("/sys/fs/cgroup/cpuset")), "no cgroup v1 cpuset hierarchy here");
        System.setProperty(RunDir.PROPERTY, tmp.resolve("run").toString());
    }

    @AfterEach
    void tearDown() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try { open.get(i).close(); } catch (Exception e) { System.err.println("cleanup: " + e); }
        }
        System.clearProperty(RunDir.PROPERTY);
    }

    @Test
    void applyShapesPartitionsAndPinsAndReleasePutsEverythingBack() throws Exception {
        Packages.ensure(Packages.LAB);
        GuestImage image = new GuestImageBuilder().installMissing(true).build();
        LabNetwork net = LabNetwork.create("q" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff)),
                100 + ThreadLocalRandom.current().nextInt(100));
        open.add(net);
        LabVm vm = new VmLauncher().accel(Accel.TCG).launch(net.nextVm(image).withCpus(2));
        open.add(vm);
        Path cfg = tmp.resolve("host.yaml");
        Files.writeString(cfg, "host: {partitioned: true}\nvms:\n  - name: web1\n    qmp: " + vm.qmpSocket()
                + "\n    reservations: {vcpu: 1ms/10ms, io: 500us/10ms}\n    shaping: {rate: 20mbit, ceil: 50mbit, burst: 15k}\n");
        String before = HostSnapshot.take(net, List.of(vm.pid()));
        open.add(() -> run("release", "-f", cfg.toString())); // whatever happens: the partitions split the host's root domain
        assertThat(run("apply", "-f", cfg.toString())).as(err + out).isZero();
        System.out.println(out);
        // tc: the VM's class on its tap with the configured rates
        ClassStats c = new LinkShaper(IpRoute.system()).stats(vm.spec().tap(), net.bridgeNamespace()).classById(LinkShaper.TAP_CLASS_ID).orElseThrow();
        assertThat(c.rateBits()).isEqualTo(20_000_000L);
        assertThat(c.ceilBits()).isEqualTo(50_000_000L);
        // partitions: CPU 0 its own root domain (the host keeps CPU 1), every reserved thread pinned to it
        assertThat(HostSnapshot.cpusets()).contains("sched_load_balance=0").contains("cpuset vmqos-cpu0 cpus 0").contains("cpuset vmqos-rest cpus 1");
        List<Integer> reserved = new ArrayList<>();
        for (int tid : proc.threadsOf((int) vm.pid())) {
            String comm = proc.comm(tid).orElse("");
            if (tid != vm.pid() && !comm.startsWith("CPU ")) continue;
            reserved.add(tid);
            assertThat(sched.get(tid).isDeadline()).as(comm).isTrue();
            assertThat(proc.cpusAllowed(tid)).as(comm + " pinned").hasValue("0");
            assertThat(proc.cpuset(tid)).as(comm).hasValue("/vmqos-cpu0");
        }
        assertThat(reserved).hasSize(3); // two vCPUs, the main loop
        // `vmqos show` lists each pinned thread's CPU and who holds it
        assertThat(run("show", "--json")).as(err).isZero();
        JsonNode shown = new ObjectMapper().readTree(out);
        for (int tid : reserved) {
            JsonNode t = null;
            for (JsonNode x : shown.get("threads")) if (x.get("tid").asInt() == tid) t = x;
            assertThat(t).isNotNull();
            assertThat(t.get("cpus").asText()).isEqualTo("0");
            assertThat(t.get("heldBy").asText()).isEqualTo("web1");
        }
        assertThat(run("show")).isZero();
        System.out.println(out);
        // applying again changes nothing
        assertThat(run("apply", "-f", cfg.toString())).as(err).isZero();
        assertThat(out).contains("reserved 0 thread(s) (already as asked)");
        // release: everything back as before
        assertThat(run("release", "-f", cfg.toString())).as(err + out).isZero();
        System.out.println(out);
        assertThat(HostSnapshot.take(net, List.of(vm.pid()))).isEqualTo(before);
        assertThat(SystemHost.store().read().record().isEmpty()).isTrue();
    }
}
