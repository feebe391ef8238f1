package io.vmqos.analysis;

import io.vmqos.core.InvalidInputException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Least squares on exact, noisy and degenerate designs, and the per-stage fit with its per-byte clamp. */
class LinearFitTest {
    private static final String[] NAMES = {"packets/s", "bytes/s"};
    /** 4 rates × 2 sizes, like the default calibration grid (2 packets per echo, frames of 64+42 and 1024+42 B). */
    private static final double[] PPS = new double[8], BPS = new double[8];

    static {
        long[] rates = {250, 500, 1000, 2000};
        int[] frames = {106, 1066};
        int i = 0;
        for (long r : rates) for (int f : frames) { PPS[i] = 2 * r; BPS[i] = 2.0 * r * f; i++; }
    }

    private static double[] line(double a, double b, double c) {
        double[] y = new double[PPS.length];
        for (int i = 0; i < y.length; i++) y[i] = a + b * PPS[i] + c * BPS[i];
        return y;
    }

    @Test
    void exactDataGivesExactCoefficientsAndR2One() {
        LinearFit.Result r = LinearFit.fit(line(3e6, 1500, 0.25), NAMES, PPS, BPS);
        assertThat(r.intercept()).isCloseTo(3e6, within(1e-3));
        assertThat(r.slope(0)).isCloseTo(1500, within(1e-9));
        assertThat(r.slope(1)).isCloseTo(0.25, within(1e-12));
        assertThat(r.r2()).isCloseTo(1, within(1e-12));
        assertThat(r.maxAbsResidual()).isLessThan(1e-3);
        assertThat(r.rmsResidual()).isLessThan(1e-3);
        assertThat(r.residuals()).hasSize(8);
    }

    @Test
    void smallHandComputedCase() {
        // y = 1 + 2x1 + 3x2 on four points
        double[] x1 = {0, 1, 0, 1}, x2 = {0, 0, 1, 1}, y = {1, 3, 4, 6};
        LinearFit.Result r = LinearFit.fit(y, NAMES, x1, x2);
        assertThat(r.intercept()).isCloseTo(1, within(1e-12));
        assertThat(r.slope(0)).isCloseTo(2, within(1e-12));
        assertThat(r.slope(1)).isCloseTo(3, within(1e-12));
        assertThat(r.r2()).isEqualTo(1.0, within(1e-15));
    }

    @Test
    void noisyDataHasR2BelowOneAndResidualsReported() {
        double[] y = line(3e6, 1500, 0.25);
        Random rnd = new Random(42);
        for (int i = 0; i < y.length; i++) y[i] += rnd.nextGaussian() * 2e5;
        LinearFit.Result r = LinearFit.fit(y, NAMES, PPS, BPS);
        assertThat(r.r2()).isLessThan(1).isGreaterThan(0.9);
        assertThat(r.maxAbsResidual()).isPositive().isGreaterThanOrEqualTo(r.rmsResidual());
        double sum = 0;
        for (double e : r.residuals()) sum += e;
        assertThat(sum).as("OLS with an intercept has residuals summing to 0").isCloseTo(0, within(1e-3));
        assertThat(r.slope(0)).isCloseTo(1500, within(300.0));
    }

    @Test
    void pureNoiseHasLowR2() {
        Random rnd = new Random(7);
        double[] y = new double[PPS.length];
        for (int i = 0; i < y.length; i++) y[i] = 1e7 + rnd.nextGaussian() * 1e6;
        assertThat(LinearFit.fit(y, NAMES, PPS, BPS).r2()).isLessThan(0.9);
    }

    @Test
    void oneRateOnlyIsRefused() {
        double[] pps = {2000, 2000, 2000, 2000}, bps = {212_000, 2_132_000, 212_000, 2_132_000}, y = {1, 2, 1, 2};
        assertThatThrownBy(() -> LinearFit.fit(y, NAMES, pps, bps)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("packets/s does not vary").hasMessageContaining("several different values");
    }

    @Test
    void oneSizeOnlyIsCollinearAndRefused() {
        double[] pps = {500, 1000, 2000, 4000}, bps = new double[4], y = {1, 2, 3, 4};
        for (int i = 0; i < 4; i++) bps[i] = pps[i] * 106;
        assertThatThrownBy(() -> LinearFit.fit(y, NAMES, pps, bps)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("collinear").hasMessageContaining("packet sizes");
    }

    @Test
    void tooFewPointsAreRefused() {
        assertThatThrownBy(() -> LinearFit.fit(new double[] {1, 2}, NAMES, new double[] {1, 2}, new double[] {3, 5}))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("cannot determine 3 unknowns");
    }

    @Test
    void stageFitClampsNegativePerByteCostAndRefits() {
        StageCostFit f = StageCostFit.fit(PPS, BPS, line(1e6, 2000, -0.05));
        assertThat(f.perByteClamped()).isTrue();
        assertThat(f.perByteNs()).isZero();
        assertThat(f.perPacketNs()).isPositive();
        assertThat(f.r2()).isLessThan(1);
        assertThat(f.points()).isEqualTo(8);
        StageCostFit exact = StageCostFit.fit(PPS, BPS, line(1e6, 2000, 0.5));
        assertThat(exact.perByteClamped()).isFalse();
        assertThat(exact.perPacketNs()).isCloseTo(2000, within(1e-6));
        assertThat(exact.perByteNs()).isCloseTo(0.5, within(1e-9));
        assertThat(exact.idleNsPerSecond()).isCloseTo(1e6, within(1e-2));
        assertThat(exact.stageCost()).hasValueSatisfying(c -> assertThat(c.cpuNsPerPacket(100)).isCloseTo(2050, within(1e-6)));
        assertThat(exact.predictNsPerSecond(PPS[3], BPS[3])).isCloseTo(line(1e6, 2000, 0.5)[3], within(1e-3));
    }

    @Test
    void stageWhoseCpuDoesNotGrowIsNotUsable() {
        StageCostFit f = StageCostFit.fit(PPS, BPS, line(5e6, 0, 0));
        assertThat(f.usable()).isFalse();
        assertThat(f.stageCost()).isEmpty();
    }
}
