package io.vmqos.linux;

import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.testing.FakeScheduler;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The way out of SCHED_DEADLINE, against an in-memory scheduler: one call, and what it promises. */
class DeadlineExitTest {
    private static final SchedAttributes DL = SchedAttributes.deadline(Reservation.of(1_000_000, 10_000_000));
    private final FakeScheduler sched = new FakeScheduler().with(7, DL);

    @Test
    void leavingDeadlineIsOneCallAndTheThreadMustStayOutUntilItsZeroLagTime() {
        // period + deadline, and a 4 ms overrun times period/runtime = 40 ms
        assertThat(DeadlineExit.set(sched, 7, DL, SchedAttributes.other())).isEqualTo(new DeadlineExit.Exit(60_000_000, 60_000_000));
        assertThat(sched.calls).containsExactly("set 7 " + SchedAttributes.other().describe());
        assertThat(sched.threads.get(7)).isEqualTo(SchedAttributes.other());
    }

    @Test
    void enteringDeadlineOrChangingItIsCountedAtOnce() {
        SchedAttributes half = SchedAttributes.deadline(Reservation.of(500_000, 10_000_000));
        assertThat(DeadlineExit.set(sched, 7, DL, half)).isEqualTo(DeadlineExit.Exit.NONE);
        sched.with(8, SchedAttributes.other());
        assertThat(DeadlineExit.set(sched, 8, SchedAttributes.other(), DL)).isEqualTo(DeadlineExit.Exit.NONE);
        assertThat(sched.calls).containsExactly("set 7 " + half.describe(), "set 8 " + DL.describe());
    }

    @Test
    void theBoundGrowsWithThePeriodToRuntimeRatio() {
        assertThat(DeadlineExit.zeroLagBound(SchedAttributes.deadline(Reservation.of(500_000, 10_000_000)))).isEqualTo(100_000_000L);
        assertThat(DeadlineExit.zeroLagBound(SchedAttributes.deadline(Reservation.of(5_000_000, 10_000_000)))).isEqualTo(28_000_000L);
    }

    @Test
    void aRefusalChangesNothingAndAThreadGoneIsReported() {
        sched.refuse = (tid, a) -> new SchedException.PermissionDenied(tid, "EPERM");
        assertThatThrownBy(() -> DeadlineExit.set(sched, 7, DL, SchedAttributes.other())).isInstanceOf(SchedException.PermissionDenied.class);
        assertThat(sched.threads.get(7)).isEqualTo(DL);
        sched.refuse = (tid, a) -> null;
        assertThatThrownBy(() -> DeadlineExit.set(sched, 99, DL, SchedAttributes.other())).isInstanceOf(SchedException.ThreadGone.class);
    }
}
