package io.vmqos.host;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.ThreadChange;
import io.vmqos.linux.SchedException;
import io.vmqos.testing.FakeLedger;
import io.vmqos.testing.FakeScheduler;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The transaction's logic against an in-memory scheduler and ledger. */
class ReserverTest {
    private final FakeScheduler sched = new FakeScheduler()
            .with(11, SchedAttributes.other()).with(12, SchedAttributes.other(5)).with(13, SchedAttributes.fifo(20));
    private final FakeLedger ledger = new FakeLedger();
    private final Reserver reserver = new Reserver(sched, ledger, KernelLimits.DEFAULT, 0.10);

    private static ThreadChange dl(int tid, String qp) {
        return new ThreadChange(tid, SchedAttributes.deadline(Reservation.parse("t", qp)), "");
    }

    @Test
    void appliesAllAndSecondApplyChangesNothing() {
        List<ThreadChange> plan = List.of(dl(11, "1ms/10ms"), dl(12, "2ms/10ms"), dl(13, "1ms/10ms"));
        ApplyReport first = reserver.apply(plan);
        assertThat(first.changed()).isEqualTo(3);
        assertThat(sched.threads.get(12).isDeadline()).isTrue();
        long sets = sched.setCalls();
        ApplyReport second = reserver.apply(plan);
        assertThat(second.changed()).isZero();
        assertThat(sched.setCalls()).isEqualTo(sets);
    }

    @Test
    void kernelRefusalMidwayRestoresEveryThreadExactly() {
        Map<Integer, SchedAttributes> before = Map.copyOf(sched.threads);
        sched.refuse = (tid, a) -> tid == 13 && a.isDeadline() ? new SchedException.AdmissionRefused(tid, "EBUSY") : null;
        assertThatThrownBy(() -> reserver.apply(List.of(dl(11, "1ms/10ms"), dl(12, "1ms/10ms"), dl(13, "1ms/10ms"))))
                .isInstanceOf(TransactionFailedException.class)
                .hasMessageContaining("thread 13").hasMessageContaining("rolled back: 2");
        assertThat(sched.threads).isEqualTo(before);
    }

    @Test
    void overCapacityIsRefusedBeforeAnySyscallThatChanges() {
        ledger.held = CpuBandwidth.ofCpus(1.6);
        assertThatThrownBy(() -> reserver.apply(List.of(dl(11, "1ms/10ms"), dl(12, "1ms/10ms"))))
                .isInstanceOf(PlanRefusedException.class)
                .hasMessageContaining("only").hasMessageContaining("host reserve of 10%");
        assertThat(sched.setCalls()).isZero();
        // a plan bigger than the whole domain is refused without even reading a thread
        sched.calls.clear();
        ledger.held = CpuBandwidth.ZERO;
        assertThatThrownBy(() -> reserver.apply(List.of(dl(11, "9ms/10ms"), dl(12, "9ms/10ms"))))
                .isInstanceOf(PlanRefusedException.class).hasMessageContaining("more than its whole capacity");
        assertThat(sched.calls).isEmpty();
    }

    @Test
    void exactlyFullIsAdmittedOneUnitOverIsNot() {
        ledger.capacity = CpuBandwidth.ONE_CPU.times(2);
        CpuBandwidth limit = ledger.capacity.minus(ledger.capacity.fractionOf(0.10));
        CpuBandwidth want = Reservation.parse("t", "5ms/10ms").bandwidth();
        ledger.held = limit.minus(want);
        reserver.apply(List.of(dl(11, "5ms/10ms")));
        sched.threads.put(11, SchedAttributes.other());
        ledger.held = limit.minus(want).plus(CpuBandwidth.ofKernelUnits(1));
        assertThatThrownBy(() -> reserver.apply(List.of(dl(11, "5ms/10ms")))).isInstanceOf(PlanRefusedException.class);
    }

    @Test
    void leakedLedgerIsRepairedBeforeAdmissionAndAfterRelease() {
        ledger.leaked = CpuBandwidth.ofCpus(1.5);
        reserver.apply(List.of(dl(11, "1ms/10ms")));
        assertThat(ledger.repairs).isEqualTo(1);
        ledger.leaked = CpuBandwidth.ofKernelUnits(1000);
        reserver.apply(List.of(new ThreadChange(11, SchedAttributes.other(), "")));
        assertThat(ledger.repairs).isEqualTo(2);
    }

    @Test
    void missingThreadRefusesTheWholeSet() {
        assertThatThrownBy(() -> reserver.apply(List.of(dl(11, "1ms/10ms"), dl(99, "1ms/10ms"))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("thread 99").hasMessageContaining("does not exist");
        assertThat(sched.setCalls()).isZero();
    }

    @Test
    void threadExitingMidwayRollsBackTheRest() {
        sched.refuse = (tid, a) -> {
            if (tid == 12) { sched.threads.remove(12); return new SchedException.ThreadGone(12, "gone"); }
            return null;
        };
        assertThatThrownBy(() -> reserver.apply(List.of(dl(11, "1ms/10ms"), dl(12, "1ms/10ms"), dl(13, "1ms/10ms"))))
                .isInstanceOf(TransactionFailedException.class).hasMessageContaining("thread 12 exited during the apply");
        assertThat(sched.threads.get(11)).isEqualTo(SchedAttributes.other());
        assertThat(sched.threads.get(13)).isEqualTo(SchedAttributes.fifo(20));
    }

    @Test
    void badParametersAreRefusedBeforeAnySyscall() {
        for (SchedAttributes bad : List.of(
                SchedAttributes.deadline(new Reservation(5_000_000, 1_000_000, 10_000_000)),
                SchedAttributes.deadline(new Reservation(1_000_000, 20_000_000, 10_000_000)),
                SchedAttributes.deadline(Reservation.of(10_000, 50_000)),
                SchedAttributes.deadline(Reservation.of(500, 10_000_000)),
                SchedAttributes.deadline(Reservation.of(0, 10_000_000)),
                SchedAttributes.fifo(0), SchedAttributes.fifo(100), SchedAttributes.other(20))) {
            assertThatThrownBy(() -> reserver.apply(List.of(new ThreadChange(11, bad, ""))))
                    .as(bad.toString()).isInstanceOf(InvalidInputException.class).hasMessageContaining("fix:");
        }
        assertThatThrownBy(() -> reserver.apply(List.of(dl(11, "1ms/10ms"), dl(11, "2ms/10ms"))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> reserver.apply(List.of())).isInstanceOf(InvalidInputException.class);
        assertThat(sched.calls).isEmpty();
    }

    @Test
    void shrinkingChangesGoFirst() {
        sched.threads.put(12, SchedAttributes.deadline(Reservation.parse("t", "5ms/10ms")));
        reserver.apply(List.of(dl(11, "4ms/10ms"), dl(12, "1ms/10ms")));
        List<String> sets = sched.calls.stream().filter(c -> c.startsWith("set")).toList();
        assertThat(sets.getFirst()).startsWith("set 12");
    }
}
