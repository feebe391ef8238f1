package io.vmqos.lab.fleet;

import io.vmqos.analysis.Admission;
import io.vmqos.analysis.AdmissionDecision;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.StageReservation;
import io.vmqos.core.VmPlan;

import java.util.List;

/**
 * What a host can still admit, as one number for Placement, after its admission refused a VM that its inventory let
 * through. A root domain's room is not one number: global EDF's density test ({@code m − (m−1)·δmax}) shrinks with the
 * densest thread, partitioned EDF packs thread by thread. So the host measures its room in threads like the refused VM's
 * densest one: the most such threads its {@link Admission} still takes (bisection), times their bandwidth. Publishing that
 * keeps Placement from sending it VMs as dense that cannot fit; a denser VM may still be refused, and the room is measured
 * again. Pure.
 */
public final class HostRoom {
    private static final int MAX_THREADS = 1 << 14;

    private HostRoom() {}

    /** The room left in {@code admission}'s host for threads like {@code refused}'s densest, in millionths of a CPU (rounded down). */
    public static long remainingMicroCpus(Admission admission, VmPlan refused) {
        StageReservation densest = refused.stages().getFirst();
        for (StageReservation s : refused.stages()) if (s.reservation().density().exceeds(densest.reservation().density())) densest = s;
        StageReservation probe = densest;
        int lo = 0, hi = MAX_THREADS; // lo threads fit; find the largest
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            VmPlan p = new VmPlan("room", null, List.of(new StageReservation(probe.stage(), probe.reservation(), -1, -1, mid)), -1, -1);
            if (admission.check(p, null) instanceof AdmissionDecision.Admitted) lo = mid;
            else hi = mid - 1;
        }
        return SyntheticHost.floorMillionths(CpuBandwidth.ofKernelUnits(probe.reservation().bandwidth().kernelUnits() * lo));
    }
}
