package io.vmqos.analysis;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;

import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Sizes one reservation for a kernel thread that carries the packets of several VMs (a {@code napi/} or
 * {@code irq/} thread on a shared path), so that every VM keeps the guarantee its own plan computed for that
 * stage. Pure, deterministic and thread-safe.
 *
 * <p><b>Model.</b> VM i's plan gave the stage a reservation {@code (Q_i, P_i)}: in CPU time the strict service curve
 * {@code β_{U_i, T_i}} with {@code U_i = (Q_i − o)/P_i}, {@code T_i = P_i + D_i − 2(Q_i − o)}, and its end-to-end
 * bound was computed with it. On the shared thread VM i's packets compete with the others' work
 * {@code γ_{r', b'}} (the sum of their SLA envelopes at the thread, {@code r_j c_j} and {@code b_j c_j} in CPU
 * ns). Whatever order the thread serves them in (FIFO for NAPI), VM i still gets the leftover
 * {@code β_{U − r', T + (b' + r'T)/(U − r')}} of the thread's {@code β_{U, T}} (blind multiplexing, Le Boudec &amp;
 * Thiran Thm 6.2.1; the periodic resource's linear bound is strict). The shared reservation is sized so that
 * every VM's leftover dominates its own curve: {@code U − r' >= U_i} and {@code T + (b' + r'T)/(U − r') <= T_i}.
 * Then every VM's planned rate and end-to-end bound still hold, unchanged. It also carries
 * {@code margin × Σ r_j c_j}.
 *
 * <p><b>Algorithm.</b> Periods on a 1% geometric grid over the kernel's limits, rounded to whole microseconds, and
 * every load's own period; for each, the least runtime by bisection (both conditions only improve as the runtime grows). The least kernel
 * bandwidth wins; ties go to the longer period. Implicit deadline.
 */
public final class SharedThreadSizing {
    private static final double GRID_STEP = 1.01;
    /** Relative slack for floating-point noise, so that a VM's own reservation meets its own conditions. */
    private static final double EPS = 1e-12;

    private SharedThreadSizing() {}

    /**
     * One VM's traffic through the shared thread.
     *
     * @param vm the VM's name, for messages
     * @param ratePps its packets per second through this thread (its SLA rate), {@code > 0}
     * @param burstPackets its burst in packets, {@code >= 0}
     * @param cpuNsPerPacket CPU ns this thread spends per packet of this VM, {@code > 0}
     * @param own the reservation the VM's own plan gave this stage (its guarantee is computed with it)
     */
    public record SharedLoad(String vm, double ratePps, double burstPackets, double cpuNsPerPacket, Reservation own) {
        public SharedLoad {
            if (!(ratePps > 0)) throw new InvalidInputException("vms." + vm + ".sla.rate", "must be positive at the shared thread, got " + ratePps, "give the VM an SLA rate");
            if (!(burstPackets >= 0)) throw new InvalidInputException("vms." + vm + ".sla.burst", "must not be negative, got " + burstPackets, "give 0 or more packets");
            if (!(cpuNsPerPacket > 0)) throw new InvalidInputException("costModel.napi", "must be positive, got " + cpuNsPerPacket + " ns/packet", "calibrate the napi stage");
            if (own == null) throw new InvalidInputException("vms." + vm + ".napi", "has no reservation of its own", "plan the VM first");
        }

        /** This VM's work at the thread, in CPU ns per ns and CPU ns. */
        TokenBucket work() { return new TokenBucket(ratePps / 1e9 * cpuNsPerPacket, burstPackets * cpuNsPerPacket); }
    }

    /**
     * The cheapest reservation whose leftover for every load dominates that load's own reservation, or empty when
     * none exists within the kernel's period limits (together they need more than one CPU).
     *
     * @param overheadNs per-activation overhead subtracted from every runtime before it counts as supply
     * @param rateMargin the useful rate must be at least this times the aggregate work rate ({@code >= 1})
     */
    public static Optional<Reservation> size(List<SharedLoad> loads, KernelLimits limits, long overheadNs, double rateMargin) {
        if (loads.isEmpty()) throw new IllegalArgumentException("no load");
        int n = loads.size();
        double[] rate = new double[n], burst = new double[n], ownRate = new double[n], ownLatency = new double[n];
        double totalRate = 0, totalBurst = 0;
        for (int i = 0; i < n; i++) {
            SharedLoad l = loads.get(i);
            TokenBucket w = l.work();
            rate[i] = w.rate();
            burst[i] = w.burst();
            totalRate += rate[i];
            totalBurst += burst[i];
            Reservation own = l.own();
            long useful = Math.max(0, own.runtimeNs() - overheadNs);
            ownRate[i] = useful / (double) own.periodNs();
            ownLatency[i] = own.periodNs() + own.deadlineNs() - 2.0 * useful;
        }
        Need need = new Need(rate, burst, ownRate, ownLatency, totalRate, totalBurst, overheadNs, rateMargin);
        Reservation best = null;
        TreeSet<Long> periods = new TreeSet<>();
        for (double pd = limits.periodMinNs(); pd <= limits.periodMaxNs(); pd *= GRID_STEP) {
            long p = Math.max(limits.periodMinNs(), Math.round(pd / 1_000) * 1_000);
            if (p <= limits.periodMaxNs()) periods.add(p);
        }
        for (SharedLoad l : loads) periods.add(l.own().periodNs()); // one VM alone then never needs more than its own
        for (long p : periods) {
            long q = need.leastRuntime(p);
            if (q < 0) continue;
            Reservation r = Reservation.of(q, p);
            if (best == null || best.bandwidth().exceeds(r.bandwidth()) || (r.bandwidth().equals(best.bandwidth()) && p > best.periodNs())) best = r;
        }
        return Optional.ofNullable(best);
    }

    /** The conditions of the class comment, per period. */
    private record Need(double[] rate, double[] burst, double[] ownRate, double[] ownLatency, double totalRate, double totalBurst,
                        long overheadNs, double margin) {
        long leastRuntime(long p) {
            long lo = Math.max(Reservation.MIN_RUNTIME_NS, overheadNs + 1);
            long hi = p;
            if (lo > hi || !meets(hi, p)) return -1;
            while (hi > lo) {
                long mid = lo + (hi - lo) / 2;
                if (meets(mid, p)) hi = mid;
                else lo = mid + 1;
            }
            return hi;
        }

        boolean meets(long q, long p) {
            double useful = q - overheadNs;
            if (useful <= 0) return false;
            double u = useful / p;
            if (u < margin * totalRate * (1 - EPS)) return false;
            double t = 2.0 * (p - useful);
            for (int i = 0; i < rate.length; i++) {
                double otherRate = totalRate - rate[i], otherBurst = totalBurst - burst[i];
                double left = u - otherRate;
                if (left < ownRate[i] * (1 - EPS) || left <= 0) return false;
                if (t + (otherBurst + otherRate * t) / left > ownLatency[i] + 1e-6) return false;
            }
            return true;
        }
    }
}
