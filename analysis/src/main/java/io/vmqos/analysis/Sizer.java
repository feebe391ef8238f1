package io.vmqos.analysis;

import io.vmqos.core.CostModel;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.Durations;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Refusal;
import io.vmqos.core.Refusal.BandwidthShortfall;
import io.vmqos.core.Refusal.Constraint;
import io.vmqos.core.Refusal.LatencyShortfall;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageKind;
import io.vmqos.core.VmPlan;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongPredicate;

/**
 * Sizes one SCHED_DEADLINE reservation (Q, P), implicit deadline, per pipeline stage so that the VM's SLA is
 * guaranteed with the least total bandwidth found. Pure, deterministic and thread-safe.
 *
 * <p><b>Model.</b> Stage i serves packets costing {@code c_i} CPU ns from a periodic resource of useful budget
 * {@code q_i = Q_i − o} (o: per-activation overhead allowance) every {@code P_i}: service curve
 * {@code β_{q_i/(P_i c_i), 2(P_i − q_i)}} in packets. Through the chain, traffic {@code γ_{r,b}} has delay at most
 * {@code Σ 2(P_i − q_i) + b · max_i (P_i c_i / q_i)} (bursts paid once, {@link PipelineAnalysis}).
 *
 * <p><b>Algorithm.</b> The latency budget {@code L} (less the latency of any explicitly given stage, less 1 ns of
 * rounding slack per part) is split into {@code steps} equal parts, shared out between each free stage's
 * latency {@code L_i} (at least one part) and one burst budget {@code L_b} (at least one part when {@code b > 0},
 * and at least the burst term of the explicit stages). All shares are enumerated in a fixed order. For a given
 * {@code (L_i, L_b)} a stage needs {@code q >= max(P − L_i/2, b c P / L_b, margin · r c P)}, so its bandwidth
 * is {@code max(1 − L_i/(2P), K) + o/P} with {@code K = max(bc/L_b, margin · rc)}: it falls with P up to
 * {@code P* = L_i / (2(1 − K))} and rises after. The whole-microsecond periods next to {@code P*} (and next to
 * where the 1024 ns minimum runtime stops binding), clamped to the kernel's period limits, are evaluated with
 * integer runtimes; the cheapest in kernel fixed-point bandwidth wins (ties: the longer period). The split with
 * the least total bandwidth wins (ties: the first in enumeration order). The plan's bound is then recomputed
 * by {@link PipelineAnalysis}, which may be tighter still (exact supply bound functions).
 *
 * <p>When nothing fits: {@link Constraint#STAGE_RATE} if some stage cannot carry the rate even with a whole CPU,
 * else {@link Constraint#LATENCY_BOUND} with the smallest bound that sizing can meet (bisection); explicit
 * reservations that fail give {@link Constraint#EXPLICIT_RESERVATION} or {@link Constraint#STAGE_RATE}.
 * Explicit reservations are checked against the rate without the margin (the operator chose them), but with
 * the overhead allowance.
 */
public final class Sizer {
    private static final long MICRO = 1_000;
    private static final long LATENCY_SEARCH_CAP_NS = 1L << 42; // about 73 minutes: beyond any sensible SLA

    private final KernelLimits limits;
    private final SizingPolicy policy;

    public Sizer(KernelLimits limits, SizingPolicy policy) {
        this.limits = limits;
        this.policy = policy;
    }

    public KernelLimits limits() { return limits; }

    public SizingPolicy policy() { return policy; }

    /** Sizes every stage of {@code costs}. */
    public SizingOutcome size(String vm, NetworkSla sla, CostModel costs) {
        return size(vm, sla, costs, Map.of());
    }

    /**
     * Sizes the stages of {@code costs} not in {@code explicit}, keeping the explicit reservations as given.
     *
     * @param explicit reservations fixed by the operator, by stage; each is validated against the kernel limits
     * @throws io.vmqos.core.InvalidInputException when an explicit reservation breaks the kernel's rules or names
     *     a stage without a cost
     */
    public SizingOutcome size(String vm, NetworkSla sla, CostModel costs, Map<StageKind, Reservation> explicit) {
        for (Map.Entry<StageKind, Reservation> e : explicit.entrySet()) {
            e.getValue().validate("vms." + vm + "." + e.getKey().name().toLowerCase(java.util.Locale.ROOT), limits);
            costs.cost(e.getKey());
        }
        // Explicit stages must at least carry the rate.
        double r = sla.ratePps() / 1e9;
        for (StageKind kind : costs.kinds()) {
            Reservation res = explicit.get(kind);
            if (res == null) continue;
            double c = costs.cpuNsPerPacket(kind, sla.packetBytes());
            CpuBandwidth needed = CpuBandwidth.ONE_CPU.fractionOf(r * c).plus(CpuBandwidth.ofRuntime(policy.overheadPerActivationNs(), res.periodNs()));
            CpuBandwidth given = res.bandwidth();
            if (res.runtimeNs() <= policy.overheadPerActivationNs() || (res.runtimeNs() - policy.overheadPerActivationNs()) / (double) res.periodNs() < r * c) {
                LongPredicate fitsRate = pps -> fixedStageCarries(res, costs.cpuNsPerPacket(kind, sla.packetBytes()), pps);
                OptionalLong rate = largestTrue(sla.ratePps(), fitsRate);
                return refuse(vm, Constraint.STAGE_RATE, new BandwidthShortfall(needed, given), rate, OptionalLong.empty(),
                        "explicit " + kind + " reservation " + res + " gives " + given.percent() + " of a CPU but "
                                + sla.ratePps() + " pps needs " + needed.percent() + " (with " + Durations.format(policy.overheadPerActivationNs()) + " overhead per period)"
                                + rate.stream().mapToObj(x -> "; at most " + x + " pps fit").findFirst().orElse("") + "; fix: raise its runtime or let vmqos size it");
            }
        }
        Map<StageKind, Reservation> chosen = solve(sla, costs, explicit);
        if (chosen != null) return fits(vm, sla, costs, chosen);

        List<StageKind> free = freeStages(costs, explicit);
        if (!explicit.isEmpty() && free.isEmpty()) {
            PipelineBound b = PipelineAnalysis.analyse(sla, costs, explicit, policy.overheadPerActivationNs());
            OptionalLong rate = largestTrue(sla.ratePps(), pps -> solve(sla.withRatePps(pps), costs, explicit) != null);
            return refuse(vm, Constraint.EXPLICIT_RESERVATION, new LatencyShortfall(b.delayBoundNs(), sla.latencyBoundNs()), rate, OptionalLong.of(b.delayBoundNs()),
                    "explicit reservations give a delay bound of " + Durations.format(b.delayBoundNs()) + ", above the SLA's "
                            + Durations.format(sla.latencyBoundNs()) + "; fix: relax the bound to " + Durations.format(b.delayBoundNs())
                            + " or shorten the periods / raise the runtimes");
        }
        for (StageKind kind : free) {
            double c = costs.cpuNsPerPacket(kind, sla.packetBytes());
            if (!rateFeasible(c, sla.ratePps())) {
                CpuBandwidth needed = CpuBandwidth.ONE_CPU.fractionOf(policy.rateMargin() * r * c)
                        .plus(CpuBandwidth.ofRuntime(policy.overheadPerActivationNs(), limits.periodMaxNs()));
                OptionalLong rate = largestTrue(sla.ratePps(), pps -> solve(sla.withRatePps(pps), costs, explicit) != null);
                return refuse(vm, Constraint.STAGE_RATE, new BandwidthShortfall(needed, CpuBandwidth.ONE_CPU), rate, OptionalLong.empty(),
                        "stage " + kind + " needs " + needed.percent() + " of one CPU for " + sla.ratePps() + " pps at "
                                + c + " CPU ns per packet (margin " + policy.rateMargin() + "), but one thread can use at most one CPU"
                                + rate.stream().mapToObj(x -> "; at most " + x + " pps fit").findFirst().orElse("") + "; fix: lower the rate or spread the traffic over more queues");
            }
        }
        OptionalLong smallest = smallestTrue(sla.latencyBoundNs(), l -> solve(sla.withLatencyBoundNs(l), costs, explicit) != null);
        OptionalLong rate = largestTrue(sla.ratePps(), pps -> solve(sla.withRatePps(pps), costs, explicit) != null);
        long needed = smallest.orElse(Long.MAX_VALUE);
        return refuse(vm, Constraint.LATENCY_BOUND, new LatencyShortfall(needed, sla.latencyBoundNs()), rate, smallest,
                "no reservations within the kernel's limits (period " + Durations.format(limits.periodMinNs()) + ".." + Durations.format(limits.periodMaxNs())
                        + ") guarantee " + Durations.format(sla.latencyBoundNs()) + " for burst " + sla.burstPackets() + " at " + sla.ratePps() + " pps"
                        + smallest.stream().mapToObj(x -> "; the smallest bound that fits is " + Durations.format(x)).findFirst().orElse("")
                        + "; fix: relax the latency bound or lower the burst");
    }

    /**
     * Like {@link #size} but without explaining a failure (no bisection): the fitting plan, or null. Used by
     * searches that call sizing many times.
     */
    public SizingOutcome.Fits trySize(String vm, NetworkSla sla, CostModel costs, Map<StageKind, Reservation> explicit) {
        Map<StageKind, Reservation> chosen = solve(sla, costs, explicit);
        return chosen == null ? null : (SizingOutcome.Fits) fits(vm, sla, costs, chosen);
    }

    /** True when reservations meeting the SLA exist (ignoring admission). */
    public boolean feasible(NetworkSla sla, CostModel costs, Map<StageKind, Reservation> explicit) {
        return solve(sla, costs, explicit) != null;
    }

    private SizingOutcome fits(String vm, NetworkSla sla, CostModel costs, Map<StageKind, Reservation> chosen) {
        PipelineBound bound = PipelineAnalysis.analyse(sla, costs, chosen, policy.overheadPerActivationNs());
        if (bound.delayBoundNs() > sla.latencyBoundNs()) {
            throw new IllegalStateException("sizing bug: bound " + bound.delayBoundNs() + " above " + sla.latencyBoundNs() + " for " + chosen);
        }
        return new SizingOutcome.Fits(new VmPlan(vm, sla, bound.stages(), bound.delayBoundNs(), bound.backlogBoundPackets()), bound);
    }

    private static SizingOutcome refuse(String vm, Constraint c, Refusal.Shortfall shortfall, OptionalLong rate, OptionalLong latency, String msg) {
        return new SizingOutcome.Refused(new Refusal(vm, c, shortfall, rate, latency, "vm " + vm + ": " + msg));
    }

    private static List<StageKind> freeStages(CostModel costs, Map<StageKind, Reservation> explicit) {
        List<StageKind> free = new ArrayList<>(3);
        for (StageKind k : costs.kinds()) if (!explicit.containsKey(k)) free.add(k);
        return free;
    }

    private boolean fixedStageCarries(Reservation res, double c, long pps) {
        long q = res.runtimeNs() - policy.overheadPerActivationNs();
        return q > 0 && q / (double) res.periodNs() >= pps / 1e9 * c;
    }

    private boolean rateFeasible(double c, long pps) {
        long p = limits.periodMaxNs();
        double q = Math.ceil(policy.rateMargin() * pps * c * p / 1e9);
        return q + policy.overheadPerActivationNs() <= p;
    }

    /**
     * The core search; null when no split fits. Deterministic: fixed enumeration order, strict improvement.
     */
    Map<StageKind, Reservation> solve(NetworkSla sla, CostModel costs, Map<StageKind, Reservation> explicit) {
        long o = policy.overheadPerActivationNs();
        double r = sla.ratePps() / 1e9;
        double b = sla.burstPackets();
        double explicitLatency = 0;
        double explicitBurstTerm = 0;  // b / min R over explicit stages
        for (Map.Entry<StageKind, Reservation> e : explicit.entrySet()) {
            PeriodicResource pr = PeriodicResource.of(e.getValue(), o);
            RateLatencyCurve pk = pr.linearBound().inPackets(costs.cpuNsPerPacket(e.getKey(), sla.packetBytes()));
            if (pk.rate() < r) return null;
            explicitLatency += pk.latencyNs();
            if (b > 0) explicitBurstTerm = Math.max(explicitBurstTerm, b / pk.rate());
        }
        List<StageKind> free = freeStages(costs, explicit);
        int k = free.size();
        if (k == 0) {
            PipelineBound pb = PipelineAnalysis.analyse(sla, costs, explicit, o);
            return pb.delayBoundNs() <= sla.latencyBoundNs() ? copy(explicit) : null;
        }
        double budget = sla.latencyBoundNs() - explicitLatency - (k + 1);
        if (budget <= 0) return null;
        int n = policy.latencySplitSteps();
        boolean needBurst = b > 0;
        int minBurstSteps = needBurst ? 1 : 0;
        if (needBurst) {
            while (minBurstSteps <= n && Math.floor(budget * minBurstSteps / n) < explicitBurstTerm) minBurstSteps++;
        }
        if (minBurstSteps + k > n) return null;
        double[] cost = new double[k];
        for (int i = 0; i < k; i++) cost[i] = costs.cpuNsPerPacket(free.get(i), sla.packetBytes());

        // table[i][si][sb] = best (Q, P) for stage i with latency share si and burst share sb, or null.
        long[][][] tableQ = new long[k][n + 1][];
        long[][][] tableP = new long[k][n + 1][];
        long[][][] tableBw = new long[k][n + 1][];
        int maxStage = n - minBurstSteps - (k - 1);
        for (int i = 0; i < k; i++) {
            for (int si = 1; si <= maxStage; si++) {
                tableQ[i][si] = new long[n + 1];
                tableP[i][si] = new long[n + 1];
                tableBw[i][si] = new long[n + 1];
                for (int sb = minBurstSteps; sb + si + (k - 1) <= n; sb++) {
                    double li = Math.floor(budget * si / n);
                    double lb = needBurst ? Math.floor(budget * sb / n) : Double.POSITIVE_INFINITY;
                    bestStage(cost[i], r, b, li, lb, tableQ[i][si], tableP[i][si], tableBw[i][si], sb);
                }
            }
        }
        int[] shares = new int[k];
        int[] bestShares = null;
        int bestSb = -1;
        long bestBw = Long.MAX_VALUE;
        for (int sb = minBurstSteps; sb + k <= n; sb++) {
            int[] found = new int[k];
            long bw = enumerate(0, n - sb, sb, k, shares, tableBw, bestBw, found);
            if (bw < bestBw) {
                bestBw = bw;
                bestShares = found;
                bestSb = sb;
            }
        }
        if (bestShares == null) return null;
        EnumMap<StageKind, Reservation> out = copy(explicit);
        for (int i = 0; i < k; i++) {
            out.put(free.get(i), Reservation.of(tableQ[i][bestShares[i]][bestSb], tableP[i][bestShares[i]][bestSb]));
        }
        return out;
    }

    private static EnumMap<StageKind, Reservation> copy(Map<StageKind, Reservation> m) {
        EnumMap<StageKind, Reservation> out = new EnumMap<>(StageKind.class);
        out.putAll(m);
        return out;
    }

    /** Depth-first over stage shares summing to at most {@code left}; returns the best sum below {@code bound}. */
    private static long enumerate(int i, int left, int sb, int k, int[] shares, long[][][] bw, long bound, int[] found) {
        if (i == k) {
            long sum = 0;
            for (int j = 0; j < k; j++) {
                long v = bw[j][shares[j]][sb];
                if (v == Long.MAX_VALUE) return Long.MAX_VALUE;
                sum += v;
            }
            if (sum < bound) {
                System.arraycopy(shares, 0, found, 0, k);
                return sum;
            }
            return Long.MAX_VALUE;
        }
        long best = Long.MAX_VALUE;
        int maxHere = left - (k - 1 - i);
        // The last stage takes all that is left: bandwidth never grows with a larger budget.
        int from = i == k - 1 ? maxHere : 1;
        for (int s = from; s <= maxHere; s++) {
            shares[i] = s;
            long v = enumerate(i + 1, left - s, sb, k, shares, bw, Math.min(bound, best), found);
            if (v < best) best = v;
        }
        return best;
    }

    /**
     * Cheapest (Q, P) for a stage with latency budget {@code li} and burst budget {@code lb} (ns), stored at
     * index {@code sb}; bandwidth {@link Long#MAX_VALUE} when none.
     */
    private void bestStage(double c, double r, double b, double li, double lb, long[] qOut, long[] pOut, long[] bwOut, int sb) {
        long o = policy.overheadPerActivationNs();
        double kShare = Math.max(policy.rateMargin() * r * c, lb == Double.POSITIVE_INFINITY ? 0 : b * c / lb);
        bwOut[sb] = Long.MAX_VALUE;
        if (kShare >= 1 || li <= 0) return;
        double pStar = li / (2 * (1 - kShare));
        double pFloorRuntime = Reservation.MIN_RUNTIME_NS + li / 2 - o; // where 1024 ns stops binding past P*
        double[] candidates = {pStar, pFloorRuntime};
        long bestBw = Long.MAX_VALUE, bestQ = 0, bestP = 0;
        for (double cand : candidates) {
            long down = clampPeriod((long) Math.floor(cand / MICRO) * MICRO);
            long up = clampPeriod((long) Math.ceil(cand / MICRO) * MICRO);
            for (long p : new long[] {down, up}) {
                long q = runtimeFor(p, c, r, b, li, lb);
                if (q < 0) continue;
                long bw = CpuBandwidth.ofRuntime(q, p).kernelUnits();
                if (bw < bestBw || (bw == bestBw && p > bestP)) {
                    bestBw = bw;
                    bestQ = q;
                    bestP = p;
                }
            }
        }
        if (bestBw != Long.MAX_VALUE) {
            qOut[sb] = bestQ;
            pOut[sb] = bestP;
            bwOut[sb] = bestBw;
        }
    }

    private long clampPeriod(long p) {
        long min = Math.ceilDiv(limits.periodMinNs(), MICRO) * MICRO;
        long max = limits.periodMaxNs() / MICRO * MICRO;
        return Math.max(min, Math.min(max, p));
    }

    /** Runtime Q for period p meeting rate, latency and burst budgets, or -1 when Q would exceed P. */
    private long runtimeFor(long p, double c, double r, double b, double li, double lb) {
        long o = policy.overheadPerActivationNs();
        double qRate = Math.ceil(policy.rateMargin() * r * c * p);
        double qLat = Math.ceil(p - li / 2);
        double qBurst = lb == Double.POSITIVE_INFINITY || b == 0 ? 0 : Math.ceil(b * c * p / lb);
        double q = Math.max(1, Math.max(qRate, Math.max(qLat, qBurst)));
        double runtime = Math.max(Reservation.MIN_RUNTIME_NS, q + o);
        if (runtime > p) return -1;
        return (long) runtime;
    }

    /** Largest value in [1, hi] for which {@code ok} holds, assuming it is monotone (true below, false above). */
    static OptionalLong largestTrue(long hi, LongPredicate ok) {
        if (!ok.test(1)) return OptionalLong.empty();
        long lo = 1;
        while (lo < hi) {
            long mid = lo + (hi - lo + 1) / 2;
            if (ok.test(mid)) lo = mid; else hi = mid - 1;
        }
        return OptionalLong.of(lo);
    }

    /** Smallest value at or above {@code from} for which {@code ok} holds (monotone), searching up to 2^42. */
    static OptionalLong smallestTrue(long from, LongPredicate ok) {
        long hi = Math.max(from, 1);
        while (!ok.test(hi)) {
            if (hi >= LATENCY_SEARCH_CAP_NS) return OptionalLong.empty();
            hi = Math.min(LATENCY_SEARCH_CAP_NS, hi * 2);
        }
        long lo = from;
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            if (ok.test(mid)) hi = mid; else lo = mid + 1;
        }
        return OptionalLong.of(hi);
    }
}
