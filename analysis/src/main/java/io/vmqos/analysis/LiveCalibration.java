package io.vmqos.analysis;

import io.vmqos.core.CostModel;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * A cost model from a VM's own traffic, without the lab and without injecting any: over consecutive windows, each
 * stage's CPU time (its threads' schedstat) is regressed on the packets and bytes the VM's taps carried
 * ({@link StageCostFit}: CPU-ns/s = idle + perPacketNs × packets/s + perByteNs × bytes/s). When the VM's packets are all
 * about one size (packet size varies by less than {@link #MIN_SIZE_VARIATION}), bytes/s carries no information of its
 * own and the fit is on packets/s alone: its per-packet cost is then the cost of a packet of that size. Refused, with
 * the reason, when the traffic did not vary enough to tell the per-packet cost from the idle use (an idle VM), when
 * there are too few windows, or when a stage's fit explains too little (R²). Windows with less than
 * {@link #LOADED_SHARE} of the busiest window's packet rate are left out of the fit: they measure the VM at rest, whose
 * every packet also wakes its vCPU from halt and costs more than in a loaded window (measured under TCG: fitted with
 * them, the io stage's per-packet cost came out 80% above the lab's fit over loaded points); the model is for the
 * loaded range, where reservations matter. A stage whose threads ran at their reservation over a window
 * ({@link #atReservation}) is not fitted on that window: its CPU use there is what the reservation gave it, not what
 * its packets needed (measured on the agent's own lab VM: io reserved 4.4% of a CPU used 3.5-4.1% from 400 to 2000
 * packets/s, where unreserved it uses 11% at 2000; fitted with those windows, its cost came out as the reservation's).
 * Pure.
 */
public final class LiveCalibration {
    /** At least this many windows. */
    public static final int MIN_WINDOWS = 8;
    /** The packet rate must vary by at least this coefficient of variation (stddev / mean) over the windows. */
    public static final double MIN_RATE_VARIATION = 0.25;
    /** Below this mean packet rate, the VM is idle. */
    public static final double MIN_MEAN_PPS = 20;
    /** Packet sizes varying less than this (coefficient of variation of bytes per packet) fit on packets alone. */
    public static final double MIN_SIZE_VARIATION = 0.05;
    /** Windows below this share of the busiest window's packet rate are not fitted (the VM at rest). */
    public static final double LOADED_SHARE = 0.10;
    /**
     * A DEADLINE thread that used this share of its reservation over a window ran at it (its CBS throttles it there).
     * Below the budget watch's and the adaptive loop's 0.95 (a thread held at its budget throughout): a window held at
     * its budget for only part of the time already understates what the packets needed.
     */
    public static final double AT_RESERVATION_SHARE = 0.90;

    private LiveCalibration() {}

    /**
     * One window of the VM's traffic and its stages' CPU use.
     *
     * @param packetsPerSecond packets through the VM's taps, both directions
     * @param bytesPerSecond their bytes
     * @param cpuNsPerSecond each stage's threads' CPU ns per wall second
     * @param atReservation the stages one of whose threads ran at its reservation over the window ({@link #atReservation})
     */
    public record Window(double packetsPerSecond, double bytesPerSecond, Map<StageKind, Double> cpuNsPerSecond, Set<StageKind> atReservation) {
        public Window {
            cpuNsPerSecond = Map.copyOf(cpuNsPerSecond);
            atReservation = Set.copyOf(atReservation);
        }

        /** A window in which no stage ran at its reservation. */
        public Window(double packetsPerSecond, double bytesPerSecond, Map<StageKind, Double> cpuNsPerSecond) {
            this(packetsPerSecond, bytesPerSecond, cpuNsPerSecond, Set.of());
        }
    }

    /**
     * A window from each stage thread's CPU use over it: each stage's use is its threads' sum, and a stage is
     * {@link Window#atReservation at its reservation} when one of its threads is ({@link #atReservation}).
     *
     * @param stages each stage's threads
     * @param useNsPerSecond each of those threads' CPU ns per wall second over the window
     * @param sched a thread's scheduling now; empty for a thread gone meanwhile (not at its reservation)
     */
    public static Window window(double packetsPerSecond, double bytesPerSecond, Map<StageKind, List<Integer>> stages,
                                Map<Integer, Double> useNsPerSecond, IntFunction<Optional<SchedAttributes>> sched) {
        Map<StageKind, Double> use = new EnumMap<>(StageKind.class);
        Set<StageKind> atReservation = EnumSet.noneOf(StageKind.class);
        for (Map.Entry<StageKind, List<Integer>> e : stages.entrySet()) {
            double sum = 0;
            for (int tid : e.getValue()) {
                double u = useNsPerSecond.getOrDefault(tid, 0.0);
                sum += u;
                if (sched.apply(tid).map(a -> atReservation(a, u)).orElse(false)) atReservation.add(e.getKey());
            }
            use.put(e.getKey(), sum);
        }
        return new Window(packetsPerSecond, bytesPerSecond, use, atReservation);
    }

    /**
     * Whether a thread scheduled with {@code attrs} that used {@code useNsPerSecond} of CPU over a window ran at its
     * reservation: a SCHED_DEADLINE thread without reclaim ({@code SCHED_FLAG_RECLAIM} lets it take more) that used at
     * least {@link #AT_RESERVATION_SHARE} of its runtime/period.
     */
    public static boolean atReservation(SchedAttributes attrs, double useNsPerSecond) {
        if (!attrs.isDeadline() || attrs.reclaims()) return false;
        return useNsPerSecond >= AT_RESERVATION_SHARE * attrs.bandwidth().cpus() * 1e9;
    }

    /**
     * The fit.
     *
     * @param fits each stage's fit
     * @param model the cost model (its stages' per-packet and per-byte costs), when not refused
     * @param refusal why the fit is not good enough, naming the number and the fix; empty when it is
     * @param meanPacketBytes the mean packet size over the windows
     * @param rateVariation the packet rate's coefficient of variation
     */
    public record Result(Map<StageKind, StageCostFit> fits, Optional<CostModel> model, Optional<String> refusal, double meanPacketBytes,
                         double rateVariation, int windows) {
        public Result {
            fits = Map.copyOf(fits);
        }
    }

    /**
     * Fits {@code stages} over {@code windows}.
     *
     * @param minR2 the smallest R² each stage's fit must reach
     */
    public static Result fit(List<Window> all, Set<StageKind> stages, double minR2) {
        double[] allPps = all.stream().mapToDouble(Window::packetsPerSecond).toArray();
        double mean = 0, peak = 0;
        for (double v : allPps) {
            mean += v;
            peak = Math.max(peak, v);
        }
        mean = allPps.length == 0 ? 0 : mean / allPps.length;
        double cv = cv(allPps);
        double floor = LOADED_SHARE * peak;
        List<Window> windows = all.stream().filter(w -> w.packetsPerSecond() >= floor).toList();
        int n = windows.size();
        double[] pps = new double[n], bps = new double[n];
        double sum = 0, sumBytes = 0;
        for (int i = 0; i < n; i++) {
            pps[i] = windows.get(i).packetsPerSecond();
            bps[i] = windows.get(i).bytesPerSecond();
            sum += pps[i];
            sumBytes += bps[i];
        }
        double meanSize = sum > 0 ? sumBytes / sum : 0;
        Map<StageKind, StageCostFit> fits = new EnumMap<>(StageKind.class);
        if (stages.isEmpty()) {
            return new Result(fits, Optional.empty(), Optional.of("the VM has no stage thread to calibrate"), meanSize, cv, n);
        }
        if (all.size() >= MIN_WINDOWS && (mean < MIN_MEAN_PPS || cv < MIN_RATE_VARIATION)) {
            return new Result(fits, Optional.empty(), Optional.of(String.format(Locale.ROOT, "too little variation in the VM's traffic: %.0f packets/s"
                    + " on average, varying by %.0f%% (at least %.0f packets/s varying by %.0f%% are needed to tell the cost of a packet from the"
                    + " VM's idle use; fix: calibrate while its traffic comes and goes, for longer, or use vmqos calibrate in the lab)",
                    mean, cv * 100, MIN_MEAN_PPS, MIN_RATE_VARIATION * 100)), meanSize, cv, n);
        }
        if (n < MIN_WINDOWS) {
            return new Result(fits, Optional.empty(), Optional.of("only " + n + " windows with traffic (at least " + MIN_WINDOWS
                    + " are needed; fix: calibrate for longer, --duration)"), meanSize, cv, n);
        }
        double[] sizes = new double[n];
        for (int i = 0; i < n; i++) sizes[i] = pps[i] > 0 ? bps[i] / pps[i] : meanSize;
        boolean oneSize = cv(sizes) < MIN_SIZE_VARIATION;
        EnumMap<StageKind, StageCost> costs = new EnumMap<>(StageKind.class);
        StringBuilder weak = new StringBuilder();
        for (StageKind k : stages) {
            List<Window> free = windows.stream().filter(w -> !w.atReservation().contains(k)).toList();
            if (free.size() < MIN_WINDOWS) {
                weak.append(String.format(Locale.ROOT, "; %s: its threads ran at their reservation in %d of the %d windows with traffic (what it needs"
                        + " above its reservation cannot be seen; fix: calibrate it with reclaim or a larger reservation, or unreserved)", stage(k), n - free.size(), n));
                continue;
            }
            int m = free.size();
            double[] x = new double[m], xb = new double[m], cpu = new double[m];
            for (int i = 0; i < m; i++) {
                x[i] = free.get(i).packetsPerSecond();
                xb[i] = free.get(i).bytesPerSecond();
                cpu[i] = free.get(i).cpuNsPerSecond().getOrDefault(k, 0.0);
            }
            StageCostFit f;
            try {
                f = oneSize ? StageCostFit.fitPackets(x, cpu) : StageCostFit.fit(x, xb, cpu);
            } catch (InvalidInputException e) {
                try {
                    f = StageCostFit.fitPackets(x, cpu);
                } catch (InvalidInputException flat) { // the windows it did not run at its reservation all had one rate
                    weak.append("; ").append(stage(k)).append(": ").append(flat.getMessage());
                    continue;
                }
            }
            fits.put(k, f);
            if (!f.usable()) {
                weak.append(String.format(Locale.ROOT, "; %s: no positive per-packet cost (%.0f ns)", stage(k), f.perPacketNs()));
            } else if (f.r2() < minR2) {
                weak.append(String.format(Locale.ROOT, "; %s: R² %.2f is below %.2f", stage(k), f.r2(), minR2));
            } else {
                costs.put(k, f.stageCost().orElseThrow());
            }
        }
        if (!weak.isEmpty()) {
            return new Result(fits, Optional.empty(), Optional.of("the fit is too weak" + weak + " (fix: calibrate for longer, while the traffic "
                    + "varies more; lower --min-r2 only if the stage's CPU use is noisy for another reason)"), meanSize, cv, n);
        }
        return new Result(fits, Optional.of(new CostModel(costs)), Optional.empty(), meanSize, cv, n);
    }

    private static String stage(StageKind k) { return k.name().toLowerCase(Locale.ROOT); }

    /** Coefficient of variation (population): stddev / mean; 0 for an empty or all-zero series. */
    static double cv(double[] x) {
        if (x.length == 0) return 0;
        double m = 0;
        for (double v : x) m += v;
        m /= x.length;
        if (m == 0) return 0;
        double s = 0;
        for (double v : x) s += (v - m) * (v - m);
        return Math.sqrt(s / x.length) / Math.abs(m);
    }
}
