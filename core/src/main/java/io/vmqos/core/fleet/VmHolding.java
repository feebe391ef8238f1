package io.vmqos.core.fleet;

import io.vmqos.core.CpuBandwidth;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What the kernel holds now for one VM vmqos reserved: the sum of its reserved threads' Q/P per root domain. A
 * thread several VMs share (a NAPI thread on their common path) is split evenly between them. Immutable.
 *
 * @param bandwidthByRootDomain per root domain name, each positive
 */
public record VmHolding(String vm, UUID consumer, SortedMap<String, CpuBandwidth> bandwidthByRootDomain) {
    public VmHolding {
        bandwidthByRootDomain = Collections.unmodifiableSortedMap(new TreeMap<>(bandwidthByRootDomain));
    }
}
