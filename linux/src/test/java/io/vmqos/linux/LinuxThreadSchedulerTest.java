package io.vmqos.linux;

import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedFlag;
import io.vmqos.core.SchedPolicy;
import io.vmqos.testing.Root;
import io.vmqos.testing.TestThreads;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** sched_setattr/sched_getattr on real threads of this JVM. */
class LinuxThreadSchedulerTest {
    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    private final ProcFs proc = new ProcFs();

    @BeforeEach
    void root() { Root.assumeDeadlineCapable(); }

    @Test
    void currentTidIsAThreadOfThisProcess() {
        int tid = LinuxThreadScheduler.currentTid();
        assertThat(proc.tgid(tid)).contains((int) ProcessHandle.current().pid());
    }

    @ParameterizedTest(name = "{0}/{1} gives {0}/{1} of a CPU")
    @CsvSource({"1ms,10ms", "2ms,10ms", "3ms,10ms", "10ms,40ms"})
    void spinningThreadGetsItsBandwidth(String q, String p) throws Exception {
        Reservation r = Reservation.parse("test", q + "/" + p);
        try (TestThreads t = TestThreads.spinning(1)) {
            int tid = t.tid(0);
            sched.set(tid, SchedAttributes.deadline(r));
            try {
                Thread.sleep(200); // settle into the reservation
                long c0 = proc.cpuTimeNs(tid), w0 = System.nanoTime();
                Thread.sleep(2000);
                long c1 = proc.cpuTimeNs(tid), w1 = System.nanoTime();
                double share = (double) (c1 - c0) / (w1 - w0);
                System.out.printf("reservation %s: measured %.1f%% of a CPU%n", r, share * 100);
                assertThat(share).isCloseTo(r.bandwidth().cpus(), within(0.03));
            } finally {
                sched.set(tid, SchedAttributes.other()); // running thread: no leak
            }
        }
    }

    @Test
    void readsBackWhatItSets() throws Exception {
        try (TestThreads t = TestThreads.sleeping(1)) {
            int tid = t.tid(0);
            SchedAttributes before = sched.get(tid);
            assertThat(before.policy()).isEqualTo(SchedPolicy.OTHER);
            for (SchedAttributes a : new SchedAttributes[] {
                    SchedAttributes.fifo(10),
                    new SchedAttributes(SchedPolicy.RR, 0, 0, 5, 0, 0, 0),
                    new SchedAttributes(SchedPolicy.BATCH, 0, 3, 0, 0, 0, 0),
                    new SchedAttributes(SchedPolicy.IDLE, 0, 0, 0, 0, 0, 0),
                    SchedAttributes.other(5),
                    before}) {
                sched.set(tid, a);
                assertThat(sched.get(tid).sameSchedulingAs(a)).as("%s read back as %s", a, sched.get(tid)).isTrue();
            }
        }
    }

    @Test
    void deadlineReadsBackWithResetOnFork() throws Exception {
        try (TestThreads t = TestThreads.spinning(1)) {
            int tid = t.tid(0);
            SchedAttributes dl = SchedAttributes.deadline(new Reservation(1_000_000, 5_000_000, 10_000_000));
            sched.set(tid, dl);
            try {
                SchedAttributes got = sched.get(tid);
                assertThat(got.policy()).isEqualTo(SchedPolicy.DEADLINE);
                assertThat(got.runtimeNs()).isEqualTo(1_000_000);
                assertThat(got.deadlineNs()).isEqualTo(5_000_000);
                assertThat(got.periodNs()).isEqualTo(10_000_000);
                assertThat(SchedFlag.of(got.flags())).contains(SchedFlag.RESET_ON_FORK);
            } finally {
                sched.set(tid, SchedAttributes.other());
            }
        }
    }

    @Test
    void reservedThreadStartsThreadsAndForksAndChildrenRunOther() throws Exception {
        AtomicReference<SchedAttributes> childThread = new AtomicReference<>();
        AtomicReference<String> childProcess = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reserved = Thread.ofPlatform().start(() -> {
            int me = LinuxThreadScheduler.currentTid();
            try {
                sched.set(me, SchedAttributes.deadline(Reservation.parse("t", "5ms/10ms")));
                Thread c = Thread.ofPlatform().start(() -> childThread.set(sched.get(LinuxThreadScheduler.currentTid())));
                c.join();
                Process p = new ProcessBuilder("sh", "-c", "chrt -p $$").redirectErrorStream(true).start();
                childProcess.set(new String(p.getInputStream().readAllBytes()));
                p.waitFor();
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                sched.set(me, SchedAttributes.other());
            }
        });
        reserved.join();
        assertThat(failure.get()).isNull();
        assertThat(childThread.get().policy()).isEqualTo(SchedPolicy.OTHER);
        assertThat(childProcess.get()).contains("SCHED_OTHER");
    }

    @Test
    void goneThreadIsThreadGone() throws Exception {
        int tid;
        try (TestThreads t = TestThreads.sleeping(1)) { tid = t.tid(0); }
        for (int i = 0; i < 100 && proc.exists(tid); i++) Thread.sleep(20); // the OS thread outlives join briefly
        assertThatThrownBy(() -> sched.get(tid)).isInstanceOf(SchedException.ThreadGone.class)
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> sched.set(tid, SchedAttributes.other())).isInstanceOf(SchedException.ThreadGone.class);
    }

    @Test
    void kernelRefusalOfBadParametersIsInvalidParameters() throws Exception {
        try (TestThreads t = TestThreads.sleeping(1)) {
            // bypasses vmqos's own validation on purpose: runtime > deadline
            SchedAttributes bad = new SchedAttributes(SchedPolicy.DEADLINE, 1, 0, 0, 5_000_000, 1_000_000, 10_000_000);
            assertThatThrownBy(() -> sched.set(t.tid(0), bad)).isInstanceOf(SchedException.InvalidParameters.class)
                    .hasMessageContaining("runtime <= deadline <= period");
            assertThat(sched.get(t.tid(0)).policy()).isEqualTo(SchedPolicy.OTHER);
        }
    }

    @Test
    void narrowAffinityIsPermissionDenied() throws Exception {
        try (TestThreads t = TestThreads.sleeping(1)) {
            int tid = t.tid(0);
            Process p = new ProcessBuilder("taskset", "-pc", "0", String.valueOf(tid)).start();
            Assumptionless.waitOk(p);
            assertThatThrownBy(() -> sched.set(tid, SchedAttributes.deadline(Reservation.parse("t", "1ms/10ms"))))
                    .isInstanceOf(SchedException.PermissionDenied.class)
                    .hasMessageContaining("affinity");
        }
    }

    /** Tiny process helper. */
    static final class Assumptionless {
        static void waitOk(Process p) throws IOException, InterruptedException {
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) throw new IllegalStateException("command failed");
        }
    }
}
