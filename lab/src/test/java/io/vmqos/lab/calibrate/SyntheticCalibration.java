package io.vmqos.lab.calibrate;

import io.vmqos.core.StageKind;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Random;

/** Calibration results made from known per-stage lines, optionally with noise on one stage. */
final class SyntheticCalibration {
    static final double[][] TRUTH = { // idle ns/s, per packet ns, per byte ns: NAPI, IO, VCPU
            {2e5, 900, 0.1}, {3e6, 6000, 0.8}, {2e7, 25000, 2.5}};

    private SyntheticCalibration() {}

    static CalibrationResult result(CalibrationOptions o, StageKind noisy, double noiseNsPerSecond) {
        Random rnd = new Random(1);
        List<PointMeasurement> points = new ArrayList<>();
        for (CalibrationPoint p : CalibrationPlan.order(o)) {
            long wall = 1_000_000_000L;
            double pps = 2.0 * p.rate(), bps = pps * p.frameBytes();
            EnumMap<StageKind, Long> cpu = new EnumMap<>(StageKind.class);
            for (StageKind k : StageKind.values()) {
                double[] t = TRUTH[k.ordinal()];
                double ns = t[0] + t[1] * pps + t[2] * bps;
                if (k == noisy) ns += rnd.nextGaussian() * noiseNsPerSecond;
                cpu.put(k, Math.round(Math.max(0, ns)));
            }
            points.add(new PointMeasurement(p, wall, p.rate(), p.rate(), cpu));
        }
        return CalibrationResult.analyse(o, "TCG", "6.18.0-test", Instant.parse("2025-01-02T03:04:05Z"), points);
    }
}
