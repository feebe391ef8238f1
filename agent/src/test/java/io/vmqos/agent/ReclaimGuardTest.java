package io.vmqos.agent;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedFlag;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.host.config.HostConfigParser;
import io.vmqos.linux.ProcFs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ReclaimGuard} on a fake /proc: a thread above its ceiling loses reclaim, gets it back once calm, and is held longer when it runs away again soon. */
class ReclaimGuardTest {
    static final long MS = 1_000_000L;
    @TempDir Path dir;
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log(new PrintStream(logged, true, StandardCharsets.UTF_8), false);
    long cpu, inv;

    void thread(int tid) throws IOException {
        Path p = Files.createDirectories(dir.resolve("proc/" + tid));
        Files.writeString(p.resolve("schedstat"), cpu + " 0 10\n");
        Files.writeString(p.resolve("status"), "Name:\tCPU 0/TCG\nnonvoluntary_ctxt_switches:\t" + inv + "\n");
    }

    HostConfig config(String ceiling) throws Exception {
        Path f = dir.resolve("host.yaml");
        Files.writeString(f, "vms:\n  - name: web\n    pid: 100\n    reservations: {vcpu: 1ms/10ms}\n    reclaim: true\n" + ceiling
                + "  - name: db\n    pid: 200\n    reservations: {vcpu: 1ms/10ms}\n");
        return new HostConfigParser(KernelLimits.DEFAULT).parse(f);
    }

    static DesiredState desired() {
        SchedAttributes r = SchedAttributes.deadline(Reservation.parse("vcpu", "1ms/10ms"), EnumSet.of(SchedFlag.RECLAIM));
        SchedAttributes plain = SchedAttributes.deadline(Reservation.parse("vcpu", "1ms/10ms"));
        return new DesiredState(List.of(new DesiredThread(101, 100, List.of("web"), "web vcpu0", r, DesiredThread.ANY_CPU),
                new DesiredThread(201, 200, List.of("db"), "db vcpu0", plain, DesiredThread.ANY_CPU)), List.of(), List.of(), List.of(), List.of(),
                Set.of(), null, Set.of(), List.of());
    }

    /** Advances the thread by {@code share} of a CPU (and {@code throttles} per 10 ms period) over {@code ms}, sampling every 100 ms. */
    long run(ReclaimGuard g, long now, long ms, double share, double throttles, List<String> reasons) throws IOException {
        for (long t = 0; t < ms; t += 100) {
            cpu += (long) (share * 100 * MS);
            inv += Math.round(throttles * 10);
            thread(101);
            now += 100 * MS;
            g.sample(now).ifPresent(reasons::add);
        }
        return now;
    }

    @Test
    void onlyReclaimingThreadsAreWatchedWithTheirCeilings() throws Exception {
        List<ReclaimGuard.Watched> w = ReclaimGuard.watched(config("    reclaimCeiling: 30%\n"), desired());
        assertThat(w).singleElement().satisfies(x -> {
            assertThat(x.tid()).isEqualTo(101);
            assertThat(x.ceilingCpus()).isEqualTo(0.3);
        });
        assertThat(ReclaimGuard.watched(config(""), desired()).getFirst().ceilingCpus()).as("default: twice the reservation").isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-5));
    }

    @Test
    void aRunawayLosesReclaimAndGetsItBackWhenCalm() throws Exception {
        ReclaimGuard g = new ReclaimGuard(new ProcFs(dir.resolve("proc")), log);
        g.follow(ReclaimGuard.watched(config("    reclaimCeiling: 30%\n"), desired()));
        assertThat(g.active()).isTrue();
        thread(101);
        List<String> reasons = new java.util.ArrayList<>();
        long now = run(g, 0, 1000, 0.08, 0, reasons); // calm: 8%
        assertThat(reasons).isEmpty();
        now = run(g, now, 300, 0.95, 0, reasons); // spins
        assertThat(reasons).singleElement().asString().contains("above its ceiling");
        assertThat(g.suspended()).containsExactly(101);
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("WARN vm web: web vcpu0 (thread 101) took").contains("above its reclaim ceiling 30.0%");
        now = run(g, now, 3000, 0.10, 0.36, reasons); // still wants more: held to 10%, throttled in a third of its periods
        assertThat(g.suspended()).as("not calm while throttled").containsExactly(101);
        now = run(g, now, 400, 0.02, 0, reasons); // sleeps again
        assertThat(g.suspended()).isEmpty();
        assertThat(reasons).hasSize(2).last().asString().contains("calm again");
        reasons.clear();
        now = run(g, now, 300, 0.95, 0, reasons); // again, soon after: held twice as long
        assertThat(logged.toString(StandardCharsets.UTF_8)).contains("for at least 2 s");
        g.follow(List.of());
        assertThat(g.active()).isFalse();
        assertThat(g.suspended()).isEmpty();
    }
}
