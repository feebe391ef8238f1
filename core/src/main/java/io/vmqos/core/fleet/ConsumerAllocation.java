package io.vmqos.core.fleet;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What one VM reserved on this host holds, as a Placement consumer. Immutable.
 *
 * @param consumer the VM's consumer UUID (see the host layer's {@code ConsumerIds} for how it is found)
 * @param vm the VM's name, for people
 * @param microCpusByProvider {@link ResourceClasses#DL_BANDWIDTH} per provider name (a root domain's child), each
 *     {@code >= 1}
 */
public record ConsumerAllocation(UUID consumer, String vm, SortedMap<String, Long> microCpusByProvider) {
    public ConsumerAllocation {
        microCpusByProvider = Collections.unmodifiableSortedMap(new TreeMap<>(microCpusByProvider));
    }
}
