package io.vmqos.lab.calibrate;

import io.vmqos.core.StageKind;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.config.CostModelFile;
import io.vmqos.lab.LabVm;
import io.vmqos.lab.Packages;
import io.vmqos.lab.load.ChildLoadRun;
import io.vmqos.lab.load.LoadResult;
import io.vmqos.lab.load.LoadSpec;
import io.vmqos.linux.ProcFs;
import io.vmqos.qemu.VmDiscovery;
import io.vmqos.lab.AgentProcess;
import io.vmqos.testing.OneLabVm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code vmqos vm calibrate} on a lab VM whose traffic the lab's load generator drives (the calibrator sends nothing):
 * its per-packet cost of the io stage is within ±25% of what the lab calibrator's method (CPU per load point, fitted on
 * packets per second) measures on the same VM over the same traffic; the vcpu stage's are printed (under TCG its cost
 * is not linear in the rate); an idle VM is refused with the reason.
 */
public class LiveCalibrationLabTest {
    public static final long[] RATES = {100, 600, 300, 900, 200, 750, 450, 1000};
    public static final long POINT_NS = 3_000_000_000L;
    @TempDir Path tmp;

    @Test
    void liveCostsMatchTheLabsAndAnIdleVmIsRefused() throws Exception {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: namespaces, taps");
        List<AutoCloseable> open = new ArrayList<>();
        try {
            Path qmp = tmp.resolve("web.qmp"), run = tmp.resolve("run");
            OneLabVm lab = OneLabVm.boot("l", qmp, open);
            LabVm vm = lab.vm();

            String[] idle = AgentProcess.cli(run, "vm", "calibrate", "--qmp", qmp.toString(), "--duration", "8s", "--window", "1s");
            assertThat(idle[0]).as(idle[2]).isEqualTo("1");
            assertThat(idle[2]).contains("too little variation in the VM's traffic").contains("fix:");

            Map<StageKind, List<Integer>> stages = stagesOf(qmp);
            Path live = tmp.resolve("live.yaml");
            // each point: its load child's start (0.7 s here, 1.1 s seen on a loaded CI), then its traffic; watching past the last
            // point costs nothing (idle windows are left out of the fit), stopping before it would miss the traffic the lab's method counts
            long total = RATES.length * (POINT_NS + 1_500_000_000L);
            CompletableFuture<String[]> calibrating = CompletableFuture.supplyAsync(() -> AgentProcess.cli(run, "vm", "calibrate", "--qmp", qmp.toString(),
                    "--duration", (total / 1_000_000) + "ms", "--window", "1s", "--min-r2", "0", "-o", live.toString()), r -> Thread.ofPlatform().name("live-calibrate").start(r));
            ProcFs proc = new ProcFs();
            InetSocketAddress target = new InetSocketAddress(vm.guestIp(), vm.echoPort());
            List<String> prefix = List.of("ip", "netns", "exec", lab.net().clientNamespace());
            int n = RATES.length;
            double[] pps = new double[n];
            Map<StageKind, double[]> cpu = new EnumMap<>(StageKind.class);
            for (StageKind k : stages.keySet()) cpu.put(k, new double[n]);
            for (int i = 0; i < n; i++) { // the lab calibrator's method: CPU of each stage around each load point
                Map<StageKind, Long> before = cpuNs(stages, proc);
                long t0 = System.nanoTime();
                LoadResult r = ChildLoadRun.run(prefix, LoadSpec.paced(target, RATES[i], 64, POINT_NS));
                long wall = System.nanoTime() - t0;
                Map<StageKind, Long> after = cpuNs(stages, proc);
                pps[i] = (r.requests() + r.replies()) * 1e9 / wall;
                System.out.printf("load point %d: %d req/s: %d requests, %d replies in %d ms%n", i, RATES[i], r.requests(), r.replies(), wall / 1_000_000);
                for (StageKind k : stages.keySet()) cpu.get(k)[i] = (after.get(k) - before.get(k)) * 1e9 / wall;
            }
            String[] res = calibrating.get();
            System.out.println(res[1] + res[2]);
            assertThat(res[0]).as(res[2]).isEqualTo("0");
            var model = CostModelFile.read(live).model();
            for (StageKind k : stages.keySet()) {
                // one packet size: bytes/s carries nothing of its own, so the fit is on packets/s (as the live one's is)
                io.vmqos.analysis.StageCostFit ref = io.vmqos.analysis.StageCostFit.fitPackets(pps, cpu.get(k));
                double refPerPacket = ref.perPacketNs();
                double livePerPacket = model.cpuNsPerPacket(k, 106);
                System.out.printf("live calibration: %s %.0f ns per packet, the lab's method %.0f ns (R² %.3f): %+.1f%%%n", k, livePerPacket, refPerPacket,
                        ref.r2(), (livePerPacket / refPerPacket - 1) * 100);
                // the io stage is compared; under TCG the vCPU's cost is concave in the rate (each packet's wake-up from halt
                // costs more at low rates) and its CPU time noisy, so neither linear fit explains it (R² printed): shown only
                if (k == StageKind.IO) assertThat(livePerPacket / refPerPacket).as(k + ": live within ±25% of the lab's method").isBetween(0.75, 1.25);
            }
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                try { open.get(i).close(); } catch (Exception e) { System.err.println("cleanup: " + e); }
            }
        }
    }

    /** The vcpu and io stages' thread ids of the QEMU behind {@code qmp}. */
    public static Map<StageKind, List<Integer>> stagesOf(Path qmp) {
        VmThreads threads = VmDiscovery.viaQmp(qmp);
        Map<StageKind, List<Integer>> stages = new EnumMap<>(StageKind.class);
        for (StageKind k : List.of(StageKind.VCPU, StageKind.IO)) {
            List<Integer> tids = new ArrayList<>();
            for (ThreadRole r : ThreadRole.of(k)) for (VmThread t : threads.of(r)) tids.add(t.tid());
            stages.put(k, tids);
        }
        return stages;
    }

    public static Map<StageKind, Long> cpuNs(Map<StageKind, List<Integer>> stages, ProcFs proc) {
        Map<StageKind, Long> out = new EnumMap<>(StageKind.class);
        stages.forEach((k, tids) -> out.put(k, tids.stream().mapToLong(proc::cpuTimeNs).sum()));
        return out;
    }
}
