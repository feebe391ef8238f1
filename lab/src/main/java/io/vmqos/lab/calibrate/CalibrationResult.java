package io.vmqos.lab.calibrate;

import io.vmqos.analysis.StageCostFit;
import io.vmqos.core.CostModel;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A finished calibration: the measured points and, per stage, the least-squares fit of its CPU use on packets/s
 * and bytes/s (see {@link PointMeasurement} for the units). Immutable.
 *
 * @param options what was measured
 * @param accel the accelerator the VM ran under ("KVM" or "TCG")
 * @param hostKernel the host's kernel release ({@code uname -r})
 * @param date when the calibration finished
 * @param points every measured point, in measuring order
 * @param fits per stage, in {@link StageKind} order
 */
public record CalibrationResult(CalibrationOptions options, String accel, String hostKernel, Instant date,
                                List<PointMeasurement> points, Map<StageKind, StageCostFit> fits) {
    public CalibrationResult {
        points = List.copyOf(points);
        fits = Collections.unmodifiableMap(new EnumMap<>(fits));
    }

    /**
     * Fits every stage over {@code points}.
     *
     * @throws CalibrationException when the points cannot determine a stage's fit (e.g. every point at one rate)
     */
    public static CalibrationResult analyse(CalibrationOptions options, String accel, String hostKernel, Instant date,
                                            List<PointMeasurement> points) {
        int n = points.size();
        double[] pps = new double[n], bps = new double[n];
        for (int i = 0; i < n; i++) {
            pps[i] = points.get(i).packetsPerSecond();
            bps[i] = points.get(i).bytesPerSecond();
        }
        EnumMap<StageKind, StageCostFit> fits = new EnumMap<>(StageKind.class);
        for (StageKind k : StageKind.values()) {
            double[] cpu = new double[n];
            for (int i = 0; i < n; i++) cpu[i] = points.get(i).cpuNsPerSecond(k);
            try {
                fits.put(k, StageCostFit.fit(pps, bps, cpu));
            } catch (InvalidInputException e) {
                throw new CalibrationException("cannot fit stage " + k + ": " + e.getMessage(), e);
            }
        }
        return new CalibrationResult(options, accel, hostKernel, date, points, fits);
    }

    /** One line per stage whose fit is below {@code minR2} or whose per-packet cost is not positive; empty when all are good. */
    public List<String> problems(double minR2) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<StageKind, StageCostFit> e : fits.entrySet()) {
            StageCostFit f = e.getValue();
            if (!(f.r2() >= minR2)) {
                out.add(String.format(Locale.ROOT, "stage %s has R² %.4f < %s (RMS residual %.2f%% of a CPU)",
                        e.getKey(), f.r2(), minR2, f.rmsResidualNsPerSecond() / 1e7));
            }
            if (!f.usable()) {
                out.add(String.format(Locale.ROOT, "stage %s's per-packet cost came out %.1f ns, not positive (its CPU use does not grow with the packet rate)",
                        e.getKey(), f.perPacketNs()));
            }
        }
        return out;
    }

    /** Throws {@link PoorFitException} naming each failing stage unless every stage fits with R² ≥ {@code minR2}. */
    public void requireGoodFit(double minR2) {
        List<String> p = problems(minR2);
        if (!p.isEmpty()) throw new PoorFitException(p);
    }

    /**
     * The cost model of the usable stages. A stage whose per-packet cost is not positive is clamped to 0 and kept
     * when it still has a per-byte cost, left out otherwise (a stage that costs nothing needs no reservation).
     *
     * @throws CalibrationException when no stage has a cost at all
     */
    public CostModel costModel() {
        EnumMap<StageKind, StageCost> m = new EnumMap<>(StageKind.class);
        for (Map.Entry<StageKind, StageCostFit> e : fits.entrySet()) {
            StageCost c = clamped(e.getValue());
            if (c != null) m.put(e.getKey(), c);
        }
        if (m.isEmpty()) throw new CalibrationException("no stage's CPU use grew with the packet rate: nothing to write; check that the load reached the VM");
        return new CostModel(m);
    }

    /** The fit's cost with a non-positive per-packet cost clamped to 0; null when nothing is left. */
    static StageCost clamped(StageCostFit f) {
        double p = Double.isFinite(f.perPacketNs()) ? Math.max(0, f.perPacketNs()) : 0;
        double b = Double.isFinite(f.perByteNs()) ? Math.max(0, f.perByteNs()) : 0;
        return p == 0 && b == 0 ? null : new StageCost(p, b);
    }
}
