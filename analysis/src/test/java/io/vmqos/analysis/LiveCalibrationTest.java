package io.vmqos.analysis;

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
}
