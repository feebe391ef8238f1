package io.vmqos.analysis;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The adaptive loop on a fake thread: each window holds {@link #SAMPLES} samples of a demand per period; a thread that
 * reclaims shows its demand, one that does not is held at its runtime (it uses at most what it holds).
 */
class AdaptiveBudgetTest {
    static final int SAMPLES = 20;

    /** One window of a fake thread of demand {@code demandNs} ± {@code noise} (uniform), as the agent would sample it. */
    static long[] window(long demandNs, double noise, boolean reclaims, long runtimeNs, Random rnd) {
        long[] w = new long[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            long d = Math.round(demandNs * (1 + noise * (2 * rnd.nextDouble() - 1)));
            w[i] = reclaims ? d : Math.min(d, runtimeNs);
        }
        return w;
    }

    /** The runtimes of {@code windows} windows at a constant demand. */
    static List<Long> run(AdaptiveBudget b, long demandNs, double noise, boolean reclaims, int windows, long seed) {
        Random rnd = new Random(seed);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < windows; i++) {
            b = b.next(window(demandNs, noise, reclaims, b.runtimeNs(), rnd), reclaims);
            out.add(b.runtimeNs());
        }
        return out;
    }

    @Property(tries = 300)
    void neverBelowTheFloorNorAboveTheCeiling(@ForAll @LongRange(min = 10_000, max = 2_000_000) long floor,
                                              @ForAll @LongRange(min = 0, max = 4_000_000) long extra,
                                              @ForAll @LongRange(min = 0, max = 5_000_000) long demand,
                                              @ForAll @DoubleRange(min = 0, max = 1) double noise,
                                              @ForAll boolean reclaims, @ForAll long seed) {
        AdaptiveBudget b = AdaptiveBudget.start(floor, floor + extra);
        Random rnd = new Random(seed);
        for (int i = 0; i < 40; i++) {
            long d = i % 10 < 5 ? demand : demand / 3; // steps both ways
            b = b.next(window(d, noise, reclaims, b.runtimeNs(), rnd), reclaims);
            assertThat(b.runtimeNs()).isBetween(floor, floor + extra);
        }
    }

    /** No oscillation: under a constant load whose samples vary by at most ±4%, the runtime moves one way, then stays. */
    @Property(tries = 300)
    void noOscillationUnderConstantLoad(@ForAll @LongRange(min = 20_000, max = 1_000_000) long floor,
                                       @ForAll @DoubleRange(min = 0.1, max = 6) double demandOverFloor,
                                       @ForAll @DoubleRange(min = 0, max = 0.04) double noise,
                                       @ForAll boolean reclaims, @ForAll long seed) {
        long ceiling = floor * 8;
        long demand = Math.round(floor * demandOverFloor);
        List<Long> r = run(AdaptiveBudget.start(floor, ceiling), demand, noise, reclaims, 60, seed);
        // converged by window 10 at the latest (log(8)/log(1.5) < 6 windows of growth when held at its budget)
        assertThat(r.subList(10, r.size())).as("runtimes after window 10 of %s", r).containsOnly(r.get(10));
        // monotone: it never went up and down
        boolean up = false, down = false;
        for (int i = 1; i < r.size(); i++) {
            up |= r.get(i) > r.get(i - 1);
            down |= r.get(i) < r.get(i - 1);
        }
        assertThat(up && down).as("runtimes %s", r).isFalse();
    }

    /** A step up is followed in one window when the thread reclaims, and its budget is {@link AdaptiveBudget#RECLAIM_SHARE} of its new mean use: at most 1.0× it. */
    @Property(tries = 200)
    void followsAStepUpInOneWindowWhenReclaiming(@ForAll @LongRange(min = 20_000, max = 500_000) long floor,
                                                 @ForAll @DoubleRange(min = 1.5, max = 5) double step, @ForAll long seed) {
        Random rnd = new Random(seed);
        AdaptiveBudget b = AdaptiveBudget.start(floor, floor * 10);
        for (int i = 0; i < 5; i++) b = b.next(window(floor / 2, 0.02, true, b.runtimeNs(), rnd), true);
        assertThat(b.runtimeNs()).isEqualTo(floor);
        long demand = Math.round(floor * step);
        b = b.next(window(demand, 0.02, true, b.runtimeNs(), rnd), true);
        double share = AdaptiveBudget.RECLAIM_SHARE;
        assertThat(b.runtimeNs()).isBetween(Math.max(floor, Math.round(demand * share * 0.98)), Math.round(demand * share * 1.02));
        assertThat(b.runtimeNs()).as("at most 1.0x its use, unless at the floor").isLessThanOrEqualTo(Math.max(floor, demand));
    }

    /** Held at its budget, the thread's runtime grows by at least 1.5× a window until it covers the demand. */
    @Property(tries = 200)
    void followsAStepUpWithinLogWindowsWhenHeldAtItsBudget(@ForAll @LongRange(min = 20_000, max = 500_000) long floor,
                                                           @ForAll @DoubleRange(min = 1.2, max = 6) double step, @ForAll long seed) {
        long demand = Math.round(floor * step);
        int bound = (int) Math.ceil(Math.log(step * (1 + AdaptiveBudget.MARGIN)) / Math.log(AdaptiveBudget.GROWTH)) + 1;
        List<Long> r = run(AdaptiveBudget.start(floor, floor * 10), demand, 0.02, false, bound, seed);
        assertThat(r.getLast()).as("runtimes %s within %d windows", r, bound).isGreaterThanOrEqualTo(Math.round(demand * 1.02));
    }

    /** A step down is followed after {@link AdaptiveBudget#LOWER_AFTER} windows, not before. */
    @Property(tries = 200)
    void followsAStepDownAfterTheHysteresis(@ForAll @LongRange(min = 20_000, max = 500_000) long floor,
                                            @ForAll @IntRange(min = 3, max = 8) int high, @ForAll boolean reclaims, @ForAll long seed) {
        Random rnd = new Random(seed);
        AdaptiveBudget b = AdaptiveBudget.start(floor, floor * 10);
        for (int i = 0; i < 10; i++) b = b.next(window((long) floor * high, 0.02, reclaims, b.runtimeNs(), rnd), reclaims);
        long raised = b.runtimeNs();
        assertThat(raised).isGreaterThan((long) (floor * high * 0.97 * (reclaims ? AdaptiveBudget.RECLAIM_SHARE : 1)));
        for (int i = 1; i < AdaptiveBudget.LOWER_AFTER; i++) {
            b = b.next(window(floor / 2, 0.02, reclaims, b.runtimeNs(), rnd), reclaims);
            assertThat(b.runtimeNs()).as("window %d of the lower load", i).isEqualTo(raised);
        }
        b = b.next(window(floor / 2, 0.02, reclaims, b.runtimeNs(), rnd), reclaims);
        assertThat(b.runtimeNs()).isEqualTo(floor);
    }

    @Test
    void aDipOfOneWindowKeepsTheBudget() {
        Random rnd = new Random(1);
        AdaptiveBudget b = AdaptiveBudget.start(100_000, 1_000_000);
        for (int i = 0; i < 3; i++) b = b.next(window(400_000, 0.02, true, b.runtimeNs(), rnd), true);
        long raised = b.runtimeNs();
        b = b.next(window(100_000, 0.02, true, b.runtimeNs(), rnd), true);
        b = b.next(window(400_000, 0.02, true, b.runtimeNs(), rnd), true);
        b = b.next(window(100_000, 0.02, true, b.runtimeNs(), rnd), true);
        assertThat(b.runtimeNs()).isEqualTo(raised);
        assertThat(b.lowWindows()).isEqualTo(1);
    }

    @Test
    void newBoundsKeepTheRuntimeWithinThem() {
        AdaptiveBudget b = new AdaptiveBudget(100_000, 1_000_000, 800_000, 2, 300_000);
        assertThat(b.within(200_000, 500_000).runtimeNs()).isEqualTo(500_000);
        assertThat(b.within(900_000, 500_000)).extracting(AdaptiveBudget::runtimeNs, AdaptiveBudget::ceilingNs).containsExactly(900_000L, 900_000L);
        assertThat(b.next(new long[0])).isSameAs(b);
    }
}
