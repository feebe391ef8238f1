package io.vmqos.analysis;

import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedFlag;
import io.vmqos.core.StageKind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/** {@link LiveCalibration} on synthetic windows: costs recovered, idle and flat traffic refused with the reason. */
class LiveCalibrationTest {
    static final Set<StageKind> QEMU = Set.of(StageKind.VCPU, StageKind.IO);

    /** vcpu: 2 ms/s idle + 20 µs per packet; io: 1 ms/s + 8 µs per packet; ±2% noise. */
    static List<LiveCalibration.Window> windows(double[] rates, int size, long seed) {
        Random r = new Random(seed);
        List<LiveCalibration.Window> out = new ArrayList<>();
        for (double pps : rates) {
            double noise = 1 + 0.02 * r.nextGaussian();
            out.add(new LiveCalibration.Window(pps, pps * size, Map.of(StageKind.VCPU, (2e6 + 20_000 * pps) * noise, StageKind.IO, (1e6 + 8_000 * pps) * noise)));
        }
        return out;
    }

    @Test
    void costsComeBackFromVaryingTraffic() {
        double[] rates = {100, 400, 800, 200, 1000, 600, 300, 900, 500, 700};
        LiveCalibration.Result r = LiveCalibration.fit(windows(rates, 98, 1), QEMU, 0.9);
        assertThat(r.refusal()).isEmpty();
        assertThat(r.model().orElseThrow().cpuNsPerPacket(StageKind.VCPU, 98)).isCloseTo(20_000, offset(1_500.0));
        assertThat(r.model().orElseThrow().cpuNsPerPacket(StageKind.IO, 98)).isCloseTo(8_000, offset(800.0));
        assertThat(r.meanPacketBytes()).isCloseTo(98, offset(0.1));
        assertThat(r.windows()).isEqualTo(10);
    }

    @Test
    void anIdleOrSteadyVmIsRefusedWithTheReason() {
        double[] idle = new double[12];
        LiveCalibration.Result r = LiveCalibration.fit(windows(idle, 98, 2), QEMU, 0.9);
        assertThat(r.model()).isEmpty();
        assertThat(r.refusal().orElseThrow()).contains("too little variation in the VM's traffic").contains("0 packets/s").contains("fix:");
        double[] steady = {500, 505, 498, 502, 499, 501, 500, 503, 497, 500};
        assertThat(LiveCalibration.fit(windows(steady, 98, 3), QEMU, 0.9).refusal().orElseThrow()).contains("varying by 0%");
        assertThat(LiveCalibration.fit(windows(new double[] {100, 900}, 98, 4), QEMU, 0.9).refusal().orElseThrow()).contains("only 2 windows");
    }

    @Test
    void aNoisyStageIsRefusedNamingItsR2() {
        double[] rates = {100, 400, 800, 200, 1000, 600, 300, 900, 500, 700};
        List<LiveCalibration.Window> w = new ArrayList<>();
        Random r = new Random(5);
        for (double pps : rates) w.add(new LiveCalibration.Window(pps, pps * 98, Map.of(StageKind.VCPU, 2e6 + 20_000 * pps, StageKind.IO, 1e6 + 4e6 * r.nextDouble())));
        assertThat(LiveCalibration.fit(w, QEMU, 0.9).refusal().orElseThrow()).contains("io: ").contains("fix:");
    }

    @Test
    void theFitsInterceptIsTheStagesBackgroundLoad() {
        double[] rates = {100, 400, 800, 200, 1000, 600, 300, 900, 500, 700};
        var model = LiveCalibration.fit(windows(rates, 98, 1), QEMU, 0.9).model().orElseThrow();
        assertThat(model.cost(StageKind.VCPU).backgroundNsPerSecond()).isCloseTo(2e6, offset(1e6));
        assertThat(model.cost(StageKind.IO).backgroundNsPerSecond()).isCloseTo(1e6, offset(5e5));
    }

    /**
     * io reserved 10 ms/s: above 1100 packets/s it needs more, and its CBS holds it at 10 ms/s. Fitted on those windows
     * its per-packet cost comes out low; the windows where it ran at its reservation are left out of its fit, not vcpu's.
     */
    @Test
    void windowsWhereAStageRanAtItsReservationAreNotFittedForIt() {
        double[] rates = {100, 400, 800, 200, 1000, 600, 300, 900, 500, 700, 1500, 2000, 1800, 1300, 1600, 1900};
        List<LiveCalibration.Window> marked = new ArrayList<>(), unmarked = new ArrayList<>();
        for (LiveCalibration.Window w : windows(rates, 98, 6)) {
            double io = w.cpuNsPerSecond().get(StageKind.IO);
            boolean capped = io >= 1e7;
            Map<StageKind, Double> use = Map.of(StageKind.VCPU, w.cpuNsPerSecond().get(StageKind.VCPU), StageKind.IO, Math.min(io, 1e7));
            marked.add(new LiveCalibration.Window(w.packetsPerSecond(), w.bytesPerSecond(), use, capped ? Set.of(StageKind.IO) : Set.of()));
            unmarked.add(new LiveCalibration.Window(w.packetsPerSecond(), w.bytesPerSecond(), use));
        }
        double biased = LiveCalibration.fit(unmarked, QEMU, 0).model().orElseThrow().cpuNsPerPacket(StageKind.IO, 98);
        LiveCalibration.Result r = LiveCalibration.fit(marked, QEMU, 0.9);
        assertThat(biased).isLessThan(6_500);
        assertThat(r.model().orElseThrow().cpuNsPerPacket(StageKind.IO, 98)).isCloseTo(8_000, offset(800.0));
        assertThat(r.fits().get(StageKind.IO).points()).as("15 loaded windows (100 packets/s is below a tenth of the peak), 6 at 10 ms/s").isEqualTo(9);
        assertThat(r.fits().get(StageKind.VCPU).points()).isEqualTo(15);
        assertThat(r.model().orElseThrow().cpuNsPerPacket(StageKind.VCPU, 98)).isCloseTo(20_000, offset(1_500.0));
    }

    @Test
    void aStageAtItsReservationInMostWindowsIsRefusedWithTheReason() {
        double[] rates = {100, 400, 800, 200, 1000, 600, 300, 900, 500, 700};
        List<LiveCalibration.Window> w = new ArrayList<>();
        for (LiveCalibration.Window x : windows(rates, 98, 7)) {
            w.add(new LiveCalibration.Window(x.packetsPerSecond(), x.bytesPerSecond(), x.cpuNsPerSecond(), x.packetsPerSecond() >= 300 ? Set.of(StageKind.IO) : Set.of()));
        }
        LiveCalibration.Result r = LiveCalibration.fit(w, QEMU, 0.9);
        assertThat(r.model()).isEmpty();
        assertThat(r.fits()).containsOnlyKeys(StageKind.VCPU);
        assertThat(r.refusal().orElseThrow()).contains("io: its threads ran at their reservation in 8 of the 10 windows").contains("fix:");
    }

    @Test
    void aThreadRanAtItsReservationWhenDeadlineWithoutReclaimAndAtNineTenthsOfIt() {
        Reservation r = Reservation.of(1_000_000, 10_000_000); // 10% of a CPU
        assertThat(LiveCalibration.atReservation(SchedAttributes.deadline(r), 9.0e7)).isTrue();
        assertThat(LiveCalibration.atReservation(SchedAttributes.deadline(r), 8.9e7)).isFalse();
        assertThat(LiveCalibration.atReservation(SchedAttributes.deadline(r, Set.of(SchedFlag.RECLAIM)), 3e8)).as("reclaim takes more").isFalse();
        assertThat(LiveCalibration.atReservation(SchedAttributes.other(), 9e8)).isFalse();
    }

    @Test
    void aWindowSumsEachStagesThreadsAndMarksAStageOneOfWhoseThreadsRanAtItsReservation() {
        Reservation tenth = Reservation.of(1_000_000, 10_000_000);
        Map<Integer, SchedAttributes> sched = Map.of(1, SchedAttributes.deadline(tenth), 2, SchedAttributes.deadline(tenth), 3, SchedAttributes.deadline(tenth));
        Map<StageKind, List<Integer>> stages = Map.of(StageKind.IO, List.of(1, 2), StageKind.VCPU, List.of(3, 4));
        // io: thread 1 at 95% of its 10%, thread 2 idle; vcpu: thread 3 at half its reservation, thread 4 gone
        LiveCalibration.Window w = LiveCalibration.window(500, 53_000, stages, Map.of(1, 9.5e7, 2, 1e6, 3, 5e7, 4, 9e8),
                tid -> java.util.Optional.ofNullable(sched.get(tid)));
        assertThat(w.cpuNsPerSecond()).containsEntry(StageKind.IO, 9.6e7).containsEntry(StageKind.VCPU, 9.5e8);
        assertThat(w.atReservation()).containsExactly(StageKind.IO);
    }
}
