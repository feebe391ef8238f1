package io.vmqos.core.desired;

/**
 * Where the agent's feedback loop may move one thread of an adaptive VM ({@code vms[].adaptive}): its runtime stays in
 * {@code [floorNs, ceilingNs]} at the period it was sized with. The floor is the reservation admission counted (it keeps
 * the VM's stated bound); the ceiling the most the VM lets one thread take. Immutable.
 *
 * @param label for people, as the thread's ({@code web1 vcpu0})
 * @param reclaims the thread holds SCHED_FLAG_RECLAIM now (its budget then follows its mean use)
 */
public record AdaptiveBounds(int tid, String vm, String label, long floorNs, long ceilingNs, long periodNs, boolean reclaims) {
    public AdaptiveBounds {
        if (floorNs <= 0 || ceilingNs < floorNs || periodNs < ceilingNs) {
            throw new IllegalArgumentException("adaptive bounds of thread " + tid + ": floor " + floorNs + " ns, ceiling " + ceilingNs + " ns, period " + periodNs + " ns");
        }
    }
}
