package io.vmqos.lab.load;

import io.vmqos.core.InvalidInputException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NoisyNeighbourTest {

    @ParameterizedTest
    @EnumSource(NoisyNeighbour.Kind.class)
    void workersBurnCpuAndCloseLeavesNone(NoisyNeighbour.Kind kind) throws Exception {
        if (kind == NoisyNeighbour.Kind.STRESS_NG) {
            Assumptions.assumeTrue(NoisyNeighbour.stressNgAvailable(), "stress-ng is not installed");
        }
        List<Long> pids;
        try (NoisyNeighbour noisy = NoisyNeighbour.start(NoisyNeighbourSpec.of(2).withKind(kind))) {
            assertThat(noisy.kind()).isEqualTo(kind);
            pids = noisy.workerPids();
            assertThat(pids).hasSize(2).doesNotHaveDuplicates();
            for (long pid : pids) {
                ProcStat s = ProcStat.read(pid).orElseThrow();
                assertThat(s.policy()).as("SCHED_OTHER").isZero();
                assertThat(s.nice()).isZero();
            }
            long before = cpuTicks(pids);
            Thread.sleep(2_000);
            double cpuSeconds = (cpuTicks(pids) - before) / (double) ProcStat.TICKS_PER_SECOND;
            System.out.printf("%s: 2 workers used %.2f CPU-seconds in 2 s (loadavg %s)%n", kind, cpuSeconds,
                    Files.readString(Path.of("/proc/loadavg")).strip());
            // 2 CPUs shared with other helpers' tests: demand a clear signal (5% of the machine), not two full CPUs;
            // an idle sleeper would show ~0
            assertThat(cpuSeconds).isGreaterThan(0.2);
        }
        for (long pid : pids) assertThat(ProcStat.running(pid)).as("worker %d after close", pid).isFalse();
    }

    @Test
    void pinnedWorkersOnlyRunOnTheGivenCpu() throws IOException {
        try (NoisyNeighbour noisy = NoisyNeighbour.start(NoisyNeighbourSpec.of(1).pinnedTo(List.of(0)))) {
            long pid = noisy.workerPids().getFirst();
            String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
            assertThat(status).containsPattern("Cpus_allowed_list:\\s+0\\n");
            noisy.close();
            noisy.close(); // idempotent
            assertThat(ProcStat.running(pid)).isFalse();
        }
    }

    @Test
    void badSpecNamesTheOption() {
        assertThatThrownBy(() -> NoisyNeighbourSpec.of(0)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--noisy-workers");
        assertThatThrownBy(() -> NoisyNeighbourSpec.of(1).pinnedTo(List.of(-1))).hasMessageStartingWith("--noisy-cpus");
    }

    private static long cpuTicks(List<Long> pids) {
        return pids.stream().mapToLong(pid -> ProcStat.read(pid).map(ProcStat::cpuTicks).orElse(0L)).sum();
    }
}
