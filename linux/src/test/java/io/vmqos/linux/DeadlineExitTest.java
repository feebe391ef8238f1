package io.vmqos.linux;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.testing.FakeScheduler;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The way out of SCHED_DEADLINE, against an in-memory scheduler: which calls, in which order, and what it promises. */
class DeadlineExitTest {
    private static final SchedAttributes DL = SchedAttributes.deadline(Reservation.of(1_000_000, 10_000_000));
    private final FakeScheduler sched = new FakeScheduler().with(7, DL);
    private final SchedAttributes drain = DeadlineExit.drain(KernelLimits.DEFAULT).orElseThrow();

    @Test
    void drainHoldsNoBandwidthAndIsValidForTheKernel() {
        assertThat(drain.bandwidth().isZero()).isTrue();
        assertThat(drain.reservation()).isEqualTo(new Reservation(1024, 4_194_304_000L, 4_194_304_000L));
        drain.reservation().validate("drain", KernelLimits.DEFAULT);
        // a period limit under 2^30 ns makes 1024 ns round above 0: no drain then
        assertThat(DeadlineExit.drain(new KernelLimits(100_000, 1_000_000_000L))).isEmpty();
    }

    @Test
    void leavingDeadlineGoesThroughTheDrainAndIsExactAtOnce() {
        assertThat(DeadlineExit.set(sched, 7, DL, SchedAttributes.other(), KernelLimits.DEFAULT)).isZero();
        assertThat(sched.calls).containsExactly("set 7 " + drain.describe(), "set 7 " + SchedAttributes.other().describe());
        assertThat(sched.threads.get(7)).isEqualTo(SchedAttributes.other());
    }

    @Test
    void enteringDeadlineOrChangingItIsOneCall() {
        SchedAttributes half = SchedAttributes.deadline(Reservation.of(500_000, 10_000_000));
        assertThat(DeadlineExit.set(sched, 7, DL, half, KernelLimits.DEFAULT)).isZero();
        sched.with(8, SchedAttributes.other());
        assertThat(DeadlineExit.set(sched, 8, SchedAttributes.other(), DL, KernelLimits.DEFAULT)).isZero();
        assertThat(sched.calls).containsExactly("set 7 " + half.describe(), "set 8 " + DL.describe());
    }

    @Test
    void aRefusedDrainSwitchesDirectlyAndSaysHowLongTheKernelMayTake() {
        sched.refuse = (tid, a) -> a.equals(drain) ? new SchedException.AdmissionRefused(tid, "EBUSY") : null;
        long pending = DeadlineExit.set(sched, 7, DL, SchedAttributes.other(), KernelLimits.DEFAULT);
        assertThat(sched.threads.get(7)).isEqualTo(SchedAttributes.other());
        // period + deadline, and a 4 ms overrun times period/runtime = 40 ms
        assertThat(pending).isEqualTo(10_000_000 + 10_000_000 + 40_000_000);
    }

    @Test
    void aRefusedTargetAfterTheDrainPutsTheThreadBack() {
        sched.refuse = (tid, a) -> a.policy() == io.vmqos.core.SchedPolicy.FIFO ? new SchedException.PermissionDenied(tid, "EPERM") : null;
        assertThatThrownBy(() -> DeadlineExit.set(sched, 7, DL, SchedAttributes.fifo(10), KernelLimits.DEFAULT))
                .isInstanceOf(SchedException.PermissionDenied.class);
        assertThat(sched.threads.get(7)).as("not left drained").isEqualTo(DL);
        assertThat(sched.calls).isEqualTo(List.of("set 7 " + drain.describe(), "set 7 " + SchedAttributes.fifo(10).describe(),
                "set 7 " + DL.describe()));
    }

    @Test
    void aThreadGoneIsReported() {
        assertThatThrownBy(() -> DeadlineExit.set(sched, 99, DL, SchedAttributes.other(), KernelLimits.DEFAULT))
                .isInstanceOf(SchedException.ThreadGone.class);
    }
}
