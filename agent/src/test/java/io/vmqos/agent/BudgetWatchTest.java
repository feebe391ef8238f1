package io.vmqos.agent;

import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedFlag;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.linux.ProcFs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link BudgetWatch} on a fake /proc: throttles and saturated use per period, the worst thread per stage, transitions logged. */
class BudgetWatchTest {
    static final long S = 1_000_000_000L;
    @TempDir Path proc;
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log(new PrintStream(logged, true, StandardCharsets.UTF_8), false);
    final SchedAttributes vcpu = SchedAttributes.deadline(Reservation.parse("vcpu", "2ms/10ms"));
    final SchedAttributes io = SchedAttributes.deadline(Reservation.parse("io", "1ms/10ms"));

    void thread(int tid, long involuntary, long runNs) throws IOException {
        Files.createDirectories(proc.resolve(String.valueOf(tid)));
        Files.writeString(proc.resolve(tid + "/schedstat"), runNs + " 0 10\n");
        Files.writeString(proc.resolve(tid + "/status"), "Name:\tCPU 0/TCG\nvoluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t" + involuntary + "\n");
    }

    static DesiredState desired(DesiredThread... t) {
        return new DesiredState(List.of(t), List.of(), List.of(), List.of(), List.of(), Set.of(), null, Set.of(), List.of());
    }

    static DesiredThread t(int tid, String label, SchedAttributes a) { return new DesiredThread(tid, 100, List.of("web"), label, a, DesiredThread.ANY_CPU); }

    String out() { return logged.toString(StandardCharsets.UTF_8); }

    @Test
    void throttlesAboveOnePercentOfPeriodsAreLoggedOnceAndAgainWhenBackWithin() throws Exception {
        BudgetWatch w = new BudgetWatch(new ProcFs(proc), log);
        DesiredState d = desired(t(101, "web vcpu0", vcpu), t(100, "web main-loop", io));
        thread(101, 0, 0);
        thread(100, 0, 0);
        w.sample(d, 0);
        thread(101, 5, S / 10); // 10 s: 1000 periods, 5 throttles (0.5%), 5% of its reserved time
        thread(100, 0, S / 100);
        w.sample(d, 10 * S);
        assertThat(w.states()).extracting(BudgetState::stage).containsExactly("main-loop", "vcpu0");
        assertThat(w.states()).allSatisfy(b -> assertThat(b.exceeds()).isFalse());
        thread(101, 5 + 123, S / 10 + S / 10); // 123 throttles in 1000 periods
        w.sample(d, 20 * S);
        thread(101, 128 + 200, S / 5 + S / 10);
        w.sample(d, 30 * S);
        thread(101, 328 + 2, S / 5 + S / 5);
        w.sample(d, 40 * S);
        assertThat(w.states()).filteredOn(b -> b.stage().equals("vcpu0")).singleElement()
                .satisfies(b -> assertThat(b.exhaustedTotal()).as("the counter: every window's estimate").isEqualTo(5 + 123 + 200 + 2));
        assertThat(out().lines().filter(l -> l.contains("budget ran out")).count()).as(out()).isEqualTo(2);
        assertThat(out()).contains("WARN vm web: vcpu0 budget ran out in 12.3% of its periods over the last 10 s (2ms/10ms): the reservation is too small")
                .contains("INFO vm web: vcpu0 budget ran out in 0.2% of its periods over the last 10 s (2ms/10ms): within its budget again")
                .doesNotContain("main-loop budget");
    }

    @Test
    void aThreadHeldAtItsBudgetCountsEveryPeriodEvenWithFewThrottles() throws Exception {
        BudgetWatch w = new BudgetWatch(new ProcFs(proc), log);
        DesiredState d = desired(t(100, "web main-loop", io));
        thread(100, 0, 0);
        w.sample(d, 0);
        thread(100, 10, 996 * S / 1000); // 99.6% of 1ms every 10ms over 10 s, 10 throttles: as measured on HZ=250
        w.sample(d, 10 * S);
        BudgetState b = w.states().getFirst();
        assertThat(b.ratio()).isCloseTo(0.996, org.assertj.core.data.Offset.offset(0.001));
        assertThat(b.used()).isCloseTo(0.996, org.assertj.core.data.Offset.offset(0.001));
        assertThat(out()).contains("WARN vm web: main-loop budget ran out in 99.6%");
    }

    @Test
    void theWorstThreadOfAStageCountsAndAReclaimingThreadIsJudgedByItsThrottlesOnly() throws Exception {
        BudgetWatch w = new BudgetWatch(new ProcFs(proc), log);
        SchedAttributes grub = SchedAttributes.deadline(Reservation.parse("vcpu", "2ms/10ms"), Set.of(SchedFlag.RECLAIM));
        DesiredState d = desired(new DesiredThread(7, 7, List.of("web", "db"), "web+db napi 7", io, DesiredThread.ANY_CPU), t(101, "web vcpu0", grub));
        thread(7, 0, 0);
        thread(101, 0, 0);
        w.sample(d, 0);
        thread(7, 50, S / 1000);
        thread(101, 0, 3 * S); // 150% of its runtime: reclaimed, not throttled
        w.sample(d, 10 * S);
        assertThat(w.states()).extracting(b -> b.vm() + "/" + b.stage() + " " + b.exhausted())
                .containsExactly("db/napi 7 50", "web/napi 7 50", "web/vcpu0 0");
    }

    @Test
    void aNewOrChangedReservationAndAShortWindowAreNotJudged() throws Exception {
        BudgetWatch w = new BudgetWatch(new ProcFs(proc), log);
        thread(101, 0, 0);
        w.sample(desired(t(101, "web vcpu0", vcpu)), 0);
        thread(101, 500, S);
        w.sample(desired(t(101, "web vcpu0", io)), 10 * S); // changed: a new window starts
        assertThat(w.states()).isEmpty();
        thread(101, 1000, S);
        w.sample(desired(t(101, "web vcpu0", io)), 10 * S + S / 2); // half a second: the window goes on
        assertThat(w.states()).isEmpty();
        w.sample(desired(t(101, "web vcpu0", io)), 20 * S);
        assertThat(w.states()).singleElement().satisfies(b -> assertThat(b.exhausted()).isEqualTo(500));
        w.sample(desired(), 30 * S); // no longer reserved: forgotten
        assertThat(w.states()).isEmpty();
    }
}
