package io.vmqos.core.desired;

import java.util.List;

/** A device whose NAPI must run threaded ({@code napi/DEV-ID} kernel threads that can be reserved), and for which VMs. */
public record DesiredNapi(DeviceRef device, List<String> vms) {
    public DesiredNapi {
        vms = List.copyOf(new java.util.TreeSet<>(vms));
    }
}
