package io.vmqos.analysis;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Worked examples of the three simple bounds and of concatenation, from J.-Y. Le Boudec and P. Thiran,
 * "Network Calculus", LNCS 2050, Springer 2001, Sec. 1.4. Numbers are ours; units are "units" and ns.
 */
class NetworkCalculusTest {
    // α = γ_{r,b} with r = 0.5 unit/ns, b = 10 units; β = β_{R,T} with R = 1 unit/ns, T = 20 ns.
    private final TokenBucket alpha = new TokenBucket(0.5, 10);
    private final RateLatencyCurve beta = new RateLatencyCurve(1, 20);

    @Test
    void delayBoundIsTPlusBOverR() {
        // Sec. 1.4.1, delay bound (Thm 1.4.2) for γ_{r,b} through β_{R,T}, r <= R: h = T + b/R = 20 + 10/1.
        assertThat(beta.delayBound(alpha)).isEqualTo(30.0);
    }

    @Test
    void backlogBoundIsBPlusRT() {
        // Sec. 1.4.1, backlog bound (Thm 1.4.1): v = b + rT = 10 + 0.5 × 20.
        assertThat(beta.backlogBound(alpha)).isEqualTo(20.0);
    }

    @Test
    void outputIsTokenBucketWithBurstGrownByRT() {
        // Sec. 1.4.1, output flow (Thm 1.4.3): α* = α ⊘ β = γ_{r, b + rT} = γ_{0.5, 20}.
        assertThat(beta.output(alpha)).isEqualTo(new TokenBucket(0.5, 20));
        assertThat(beta.outputBurst(alpha)).isEqualTo(20.0);
    }

    @Test
    void concatenationTakesMinRateAndSumsLatencies() {
        // Thm 1.4.6 (concatenation): β_{2,5} ⊗ β_{1,20} = β_{min(2,1), 5+20} = β_{1,25}.
        RateLatencyCurve chain = new RateLatencyCurve(2, 5).concat(new RateLatencyCurve(1, 20));
        assertThat(chain).isEqualTo(new RateLatencyCurve(1, 25));
        // Concatenation is commutative.
        assertThat(new RateLatencyCurve(1, 20).concat(new RateLatencyCurve(2, 5))).isEqualTo(chain);
    }

    @Test
    void burstsArePaidOnlyOnce() {
        // Sec. 1.4.3 "pay bursts only once": end-to-end through β_{1,25}: 25 + 10/1 = 35 ns,
        // less than the sum of per-node bounds: node 1 gives 5 + 10/2 = 10 and an output burst 10 + 0.5·5 = 12.5,
        // node 2 then gives 20 + 12.5/1 = 32.5, i.e. 42.5 ns in total.
        RateLatencyCurve n1 = new RateLatencyCurve(2, 5), n2 = new RateLatencyCurve(1, 20);
        double endToEnd = n1.concat(n2).delayBound(alpha);
        double perNode = n1.delayBound(alpha) + n2.delayBound(n1.output(alpha));
        assertThat(endToEnd).isEqualTo(35.0);
        assertThat(perNode).isEqualTo(42.5);
    }

    @Test
    void unstableFlowHasNoBound() {
        assertThat(beta.delayBound(new TokenBucket(1.5, 1))).isInfinite();
        assertThat(beta.backlogBound(new TokenBucket(1.5, 1))).isInfinite();
    }

    @Test
    void curvesEvaluate() {
        assertThat(beta.value(20)).isZero();
        assertThat(beta.value(25)).isEqualTo(5.0);
        assertThat(alpha.value(0)).isZero();
        assertThat(alpha.value(4)).isEqualTo(12.0);
        // 100 000 pps = 1e-4 packets per ns; 10 packets of 1000 ns CPU each = 10 000 CPU ns.
        TokenBucket pk = TokenBucket.ofPacketsPerSecond(100_000, 10);
        assertThat(pk.rate()).isCloseTo(1e-4, within(1e-18));
        assertThat(pk.inCpuTime(1000)).isEqualTo(new TokenBucket(0.1, 10_000));
        assertThat(new RateLatencyCurve(0.4, 6).inPackets(2)).isEqualTo(new RateLatencyCurve(0.2, 6));
    }
}
