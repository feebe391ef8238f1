package io.vmqos.lab.fleet;

import io.vmqos.core.CostModel;
import io.vmqos.core.StageCost;

/**
 * The per-packet CPU cost the simulation sizes with unless given a calibrated file: KVM with vhost-net magnitudes, the
 * cost model of vmqos's unit tests (napi 800 ns + 0.1 ns/B, io 2000 ns + 0.25 ns/B, vcpu 3000 ns + 0.5 ns/B per
 * packet), with a background load of 1, 2 and 5 ms per second (napi, io, vcpu: timer ticks and housekeeping). Assumed, not
 * measured here: this machine runs guests under TCG, whose calibrated model ({@code docs/demo/costs.yaml}: 11, 30 and
 * 54 µs per packet) is 10–18 times dearer.
 */
public final class SimCostModel {
    public static final CostModel KVM = CostModel.of(
            new StageCost(800, 0.1, 1_000_000),
            new StageCost(2000, 0.25, 2_000_000),
            new StageCost(3000, 0.5, 5_000_000));

    private SimCostModel() {}
}
