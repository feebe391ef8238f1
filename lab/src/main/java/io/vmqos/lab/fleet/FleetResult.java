package io.vmqos.lab.fleet;

import java.util.List;

/**
 * What one fleet simulation found (README, "Flavors and the fleet simulation"). Immutable; written as the report's
 * {@code results.json}.
 *
 * @param fleet where vmqos's VMs were placed: {@code placement URL} or {@code in-memory}
 * @param hosts the synthetic hosts, {@code cpus} their CPUs in all
 * @param sizingRefused VMs whose SLA no reservations meet (asked for nothing)
 * @param refusedByHost times Placement put a VM on a host whose own admission (vmqos's {@code Admission}) then refused
 *     it (each retried on an alternate host); {@code republished} the times a host then published a smaller room
 * @param placementsPerSecond placement requests (candidates query, and the allocation when there is a candidate) per
 *     second of wall time, host admission and retries included
 * @param alternatives vmqos first, then dedicated cores, vCPU packing and lean reservations
 */
public record FleetResult(String fleet, long seed, int hosts, int cpus, int vms, int sizingRefused, int refusedByHost, int republished,
                          double placementsPerSecond, double placementSeconds, double registerSeconds, String costModel,
                          List<Alternative> alternatives) {
    /**
     * One way of placing the same VMs on the same hosts.
     *
     * @param placed VMs it put on a host (vmqos: and the host admitted)
     * @param cpusReservedPlaced CPU it sets aside for the VMs placed, in CPUs
     * @param cpusReservedAll CPU it would set aside for every VM, placed or not
     * @param hostsUsed hosts holding at least one VM, {@code cpusOfHostsUsed} their CPUs
     * @param slaBroken VMs placed where their SLA's bound cannot hold ({@code -1}: the alternative guarantees it, or states no bound)
     */
    public record Alternative(String name, int placed, double cpusReservedPlaced, double cpusReservedAll, int hostsUsed, int cpusOfHostsUsed,
                              int slaBroken, String note) {}

    public FleetResult {
        alternatives = List.copyOf(alternatives);
    }

    /** The alternative named {@code name}. */
    public Alternative alternative(String name) {
        return alternatives.stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException("no alternative " + name));
    }

    /** Share of the VMs vmqos admitted. */
    public double admittedShare() { return vms == 0 ? 0 : alternative(FleetSimulation.VMQOS).placed() / (double) vms; }
}
