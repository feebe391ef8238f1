package io.vmqos.lab.calibrate;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.StageKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Fitting the stages of a calibration, refusing a poor fit, and the measuring order. */
class CalibrationResultTest {
    private final CalibrationOptions defaults = CalibrationOptions.defaults();

    @Test
    void exactPointsRecoverEveryStageAndPass() {
        CalibrationResult r = SyntheticCalibration.result(defaults, null, 0);
        for (StageKind k : StageKind.values()) {
            double[] t = SyntheticCalibration.TRUTH[k.ordinal()];
            assertThat(r.fits().get(k).perPacketNs()).as(k.name()).isCloseTo(t[1], within(t[1] * 1e-4));
            assertThat(r.fits().get(k).perByteNs()).as(k.name()).isCloseTo(t[2], within(t[2] * 1e-3 + 1e-3));
            assertThat(r.fits().get(k).idleNsPerSecond()).as(k.name()).isCloseTo(t[0], within(t[0] * 1e-3 + 10));
            assertThat(r.fits().get(k).r2()).isCloseTo(1, within(1e-9));
        }
        assertThat(r.problems(0.9)).isEmpty();
        r.requireGoodFit(0.9);
        assertThat(r.costModel().kinds()).containsExactly(StageKind.NAPI, StageKind.IO, StageKind.VCPU);
    }

    @Test
    void poorFitIsRefusedNamingTheStageItsR2AndWhatToTry() {
        CalibrationResult r = SyntheticCalibration.result(defaults, StageKind.IO, 2e7);
        assertThat(r.fits().get(StageKind.IO).r2()).isLessThan(0.9);
        assertThat(r.problems(0.9)).singleElement().asString().startsWith("stage IO has R² 0.").contains("< 0.9 (RMS residual");
        assertThatThrownBy(() -> r.requireGoodFit(0.9)).isInstanceOf(PoorFitException.class)
                .hasMessageContaining("stage IO has R²").hasMessageContaining("longer --duration")
                .hasMessageContaining("quieter machine").hasMessageContaining("more --rates").hasMessageContaining("--force");
        // a lower bar accepts it
        double r2 = r.fits().get(StageKind.IO).r2();
        assertThat(r.problems(Math.max(0, r2 - 0.01))).isEmpty();
    }

    @Test
    void stageWithoutLoadDependentCpuIsAProblemAndLeftOutOfTheModel() {
        List<PointMeasurement> pts = SyntheticCalibration.result(defaults, null, 0).points().stream().map(p -> {
            var cpu = new java.util.EnumMap<>(p.stageCpuNs());
            cpu.put(StageKind.NAPI, 0L);
            return new PointMeasurement(p.point(), p.wallNs(), p.requests(), p.replies(), cpu);
        }).toList();
        CalibrationResult r = CalibrationResult.analyse(defaults, "TCG", "k", java.time.Instant.EPOCH, pts);
        assertThat(r.problems(0.9)).singleElement().asString().contains("stage NAPI's per-packet cost came out 0.0 ns");
        assertThat(r.costModel().kinds()).containsExactly(StageKind.IO, StageKind.VCPU);
    }

    @Test
    void packetsCountEachRequestAndEachReply() {
        PointMeasurement m = new PointMeasurement(new CalibrationPoint(1000, 64, 0), 2_000_000_000L, 2000, 1990,
                java.util.Map.of(StageKind.VCPU, 1_000_000_000L));
        assertThat(m.packetsPerSecond()).isCloseTo(1995, within(1e-9));
        assertThat(m.bytesPerSecond()).isCloseTo(1995 * 106.0, within(1e-6));
        assertThat(m.cpuNsPerSecond(StageKind.VCPU)).isCloseTo(5e8, within(1e-6));
        assertThat(m.cpuNsPerSecond(StageKind.NAPI)).isZero();
    }

    @Test
    void orderInterleavesRatesAndSizesAndReversesEachRepeat() {
        CalibrationOptions o = new CalibrationOptions(List.of(250L, 500L, 1000L, 2000L), List.of(64, 1024), 5_000_000_000L, 2, 0.9, 1, 20);
        List<CalibrationPoint> order = CalibrationPlan.order(o);
        assertThat(order).hasSize(16);
        assertThat(order.subList(0, 8)).extracting(p -> p.rate() + "x" + p.sizeBytes()).containsExactly(
                "250x64", "250x1024", "2000x1024", "2000x64", "500x64", "500x1024", "1000x1024", "1000x64");
        assertThat(order.subList(8, 16)).extracting(p -> p.rate() + "x" + p.sizeBytes() + "@" + p.round()).containsExactly(
                "1000x64@1", "1000x1024@1", "500x1024@1", "500x64@1", "2000x64@1", "2000x1024@1", "250x1024@1", "250x64@1");
        assertThat(CalibrationPlan.order(new CalibrationOptions(List.of(300L, 900L, 600L), List.of(64, 1024, 512), 1_000_000_000L, 1, 0.9, 1, 20)))
                .extracting(CalibrationPoint::rate).containsExactly(300L, 300L, 300L, 900L, 900L, 900L, 600L, 600L, 600L);
    }

    @Test
    void optionsNameTheOffendingOption() {
        assertBad(List.of(0L, 500L), List.of(64, 1024), 5_000_000_000L, 1, 0.9, "--rates");
        assertBad(List.of(500L, 500L), List.of(64, 1024), 5_000_000_000L, 1, 0.9, "--rates");
        assertBad(List.of(250L, 500L), List.of(8, 1024), 5_000_000_000L, 1, 0.9, "--sizes");
        assertBad(List.of(250L, 500L), List.of(64, 1500), 5_000_000_000L, 1, 0.9, "--sizes");
        assertBad(List.of(250L, 500L), List.of(64), 5_000_000_000L, 1, 0.9, "--sizes");
        assertBad(List.of(250L, 500L), List.of(64, 1024), 500_000_000L, 1, 0.9, "--duration");
        assertBad(List.of(250L, 500L), List.of(64, 1024), 5_000_000_000L, 0, 0.9, "--repeat");
        assertBad(List.of(250L, 500L), List.of(64, 1024), 5_000_000_000L, 1, 1.5, "--min-r2");
        assertThat(new CalibrationOptions(List.of(250L, 500L, 250L), List.of(64, 1024), 1_000_000_000L, 1, 0.9, 1, 20).points()).isEqualTo(4);
    }

    private static void assertBad(List<Long> rates, List<Integer> sizes, long d, int repeat, double r2, String option) {
        assertThatThrownBy(() -> new CalibrationOptions(rates, sizes, d, repeat, r2, 1, 20))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining(option);
    }
}
