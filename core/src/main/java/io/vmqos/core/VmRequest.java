package io.vmqos.core;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * One VM to plan: its SLA, the cost of its pipeline stages, reservations the operator fixed for some stages
 * (the others are sized) and optionally the root domain it must run in. Immutable.
 *
 * @param vm unique VM name
 * @param explicit operator-given reservations by stage; empty to size all stages
 * @param rootDomain the root domain's name, or null to take the first (by name) that admits the VM
 * @param threads how many threads each stage has (each gets the stage's reservation); a stage absent has one
 */
public record VmRequest(String vm, NetworkSla sla, CostModel costs, Map<StageKind, Reservation> explicit, String rootDomain,
                        Map<StageKind, Integer> threads) {
    public VmRequest {
        threads = threads == null ? Map.of() : Map.copyOf(threads);
        if (vm == null || vm.isBlank()) throw new InvalidInputException("vm", "name is missing", "give every VM a name");
        if (sla == null) throw new InvalidInputException("vms." + vm + ".sla", "is missing", "give the VM's rate, burst and latency bound");
        if (costs == null) throw new InvalidInputException("vms." + vm + ".costs", "is missing", "give the CPU cost of its stages");
        EnumMap<StageKind, Reservation> copy = new EnumMap<>(StageKind.class);
        if (explicit != null) copy.putAll(explicit);
        explicit = Collections.unmodifiableMap(copy);
    }

    /** One thread per stage. */
    public VmRequest(String vm, NetworkSla sla, CostModel costs, Map<StageKind, Reservation> explicit, String rootDomain) {
        this(vm, sla, costs, explicit, rootDomain, Map.of());
    }

    /** A VM whose stages are all sized, in any root domain. */
    public static VmRequest of(String vm, NetworkSla sla, CostModel costs) {
        return new VmRequest(vm, sla, costs, Map.of(), null);
    }
}
