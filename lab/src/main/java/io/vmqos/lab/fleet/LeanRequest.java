package io.vmqos.lab.fleet;

import io.vmqos.core.CostModel;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageKind;
import io.vmqos.lab.demo.LeanSizing;

/**
 * The lean alternative's reservations for one VM: each stage at what it uses at the VM's mean rate (its packets' cost
 * plus its background load), shared out evenly over the stage's threads and sized by the demo's {@link LeanSizing} (no
 * headroom, with SCHED_FLAG_RECLAIM to run on what others leave). It bounds nothing at the SLA's rate: the VM's bursts
 * above its mean live on reclaimed time. Pure.
 */
public final class LeanRequest {
    private LeanRequest() {}

    /** The VM's lean bandwidth in all (every stage, every thread). */
    public static CpuBandwidth bandwidth(SimVm vm, CostModel costs) {
        NetworkSla sla = vm.file().vm().sizingSla().orElseThrow();
        double meanPps = sla.ratePps() * vm.meanUse();
        CpuBandwidth total = CpuBandwidth.ZERO;
        for (StageKind k : costs.kinds()) {
            int threads = k == StageKind.VCPU ? vm.file().vcpuThreads() : 1;
            double use = (meanPps * costs.cpuNsPerPacket(k, sla.packetBytes()) + costs.cost(k).backgroundNsPerSecond()) / 1e9;
            Reservation r = LeanSizing.size(use / threads);
            total = total.plus(r.bandwidth().times(threads));
        }
        return total;
    }
}
