package io.vmqos.analysis;

import io.vmqos.core.Reservation;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Supply bound of the periodic resource model, I. Shin and I. Lee, "Periodic Resource Model for Compositional
 * Real-Time Guarantees", RTSS 2003: for Γ(Π, Θ), sbf(t) = 0 for t <= 2(Π − Θ), then Θ every Π, and its linear
 * lower bound (Θ/Π)(t − 2(Π − Θ)). Values for Θ = 2, Π = 5 worked by hand from the closed form
 * sbf(t) = t − (k+1)(Π−Θ) if t ∈ [(k+1)Π − 2Θ, (k+1)Π − Θ] else (k−1)Θ, k = max(⌈(t − (Π−Θ))/Π⌉, 1).
 */
class PeriodicResourceTest {
    private final PeriodicResource q2p5 = new PeriodicResource(2, 5, 5);

    @Test
    void sbfOfQ2P5AtHandComputedPoints() {
        assertThat(q2p5.starvationNs()).isEqualTo(6);                 // 2(Π − Θ)
        double[][] points = {
                {0, 0}, {3, 0}, {6, 0},      // blackout up to 2(Π−Θ) = 6
                {7, 1}, {8, 2},              // k=1: t ∈ [6, 8] → t − 2·3
                {9, 2}, {10, 2}, {11, 2},    // k=2 outside [11, 13] → (k−1)Θ = 2
                {12, 3}, {13, 4},            // k=2: t − 3·3
                {16, 4}, {17, 5}, {18, 6},   // k=3: [16, 18] → t − 4·3
                {23, 8}                      // k=4: [21, 23] → t − 5·3 = 8
        };
        for (double[] p : points) {
            assertThat(q2p5.sbf(p[0])).as("sbf(%s)", p[0]).isEqualTo(p[1]);
        }
    }

    @Test
    void linearBoundIsRateQOverPLatencyTwicePMinusQ() {
        RateLatencyCurve lin = q2p5.linearBound();
        assertThat(lin).isEqualTo(new RateLatencyCurve(0.4, 6));
        for (int t = 0; t <= 60; t++) assertThat(q2p5.sbf(t)).isGreaterThanOrEqualTo(lin.value(t) - 1e-12);
        // Tight at t = 2(Π − Θ) + kΠ, the start of each supply: sbf(11) = 2 = 0.4 × (11 − 6).
        assertThat(q2p5.sbf(11)).isEqualTo(lin.value(11));
    }

    @Test
    void constrainedDeadlineStarvesPPlusDMinus2Q() {
        // Q = 2, D = 4, P = 5: the budget is served within [kP, kP + 4]; worst gap 5 + 4 − 4 = 5, then 2 every 5.
        PeriodicResource c = new PeriodicResource(2, 4, 5);
        assertThat(c.starvationNs()).isEqualTo(5);
        assertThat(c.sbf(5)).isZero();
        assertThat(c.sbf(6)).isEqualTo(1);
        assertThat(c.sbf(7)).isEqualTo(2);
        assertThat(c.sbf(10)).isEqualTo(2);
        assertThat(c.sbf(12)).isEqualTo(4);
        assertThat(c.linearBound()).isEqualTo(new RateLatencyCurve(0.4, 5));
    }

    @Test
    void exactDelayIsTighterThanLinear() {
        // Work σ = 3, ρ = 0.2 (CPU ns per ns) on Θ = 2, Π = 5.
        // Linear: 6 + 3/0.4 = 13.5.
        // Exact: the burst of 3 is supplied at sbf⁻¹(3) = 12 (sbf(12) = 3); after α crosses 4 at s = 5 the next
        // work waits until 16: delay 11. The bound is max(12, 11) = 12.
        TokenBucket work = new TokenBucket(0.2, 3);
        assertThat(q2p5.linearBound().delayBound(work)).isEqualTo(13.5);
        assertThat(q2p5.timeToSupply(3)).isEqualTo(12.0);
        assertThat(q2p5.delayBound(work)).isEqualTo(12.0);
    }

    @Test
    void exactDelayOfSmoothFlowIsTheStarvation() {
        // No burst: the first work unit waits the whole blackout 2(Π − Θ) = 6.
        assertThat(q2p5.delayBound(new TokenBucket(0.1, 0))).isEqualTo(6.0);
        // At exactly the resource rate the bound still exists: σ = 2 = Θ → after crossing 2 at s = 0: 6 + 5 = 11.
        assertThat(q2p5.delayBound(new TokenBucket(0.4, 2))).isEqualTo(11.0);
        assertThat(q2p5.delayBound(new TokenBucket(0.41, 2))).isInfinite();
    }

    @Test
    void overheadIsTakenFromTheRuntime() {
        PeriodicResource pr = PeriodicResource.of(Reservation.of(200_000, 1_000_000), 5_000);
        assertThat(pr.budgetNs()).isEqualTo(195_000);
        assertThat(pr.starvationNs()).isEqualTo(2 * (1_000_000 - 195_000));
        assertThatThrownBy(() -> PeriodicResource.of(Reservation.of(5_000, 1_000_000), 5_000)).isInstanceOf(IllegalArgumentException.class);
    }
}
