package io.vmqos.host;

import io.vmqos.core.net.ShapingSpec;

/**
 * What to do on a VM's network path besides its own threads.
 *
 * @param napi sizing of the path's NAPI/IRQ threads; {@code null} leaves NAPI and path threads alone
 * @param egress shaping of traffic towards the VM (each tap's egress), or {@code null}
 * @param ingress shaping of traffic from the VM (each tap's ingress through an ifb), or {@code null}
 * @param steerIrqs move every path IRQ allowed on CPUs the VM's threads cannot use onto the VM's CPUs (recorded,
 *     put back on release); false only warns
 */
public record PathRequest(PathThreadSizing napi, ShapingSpec egress, ShapingSpec ingress, boolean steerIrqs) {
    /** Without IRQ steering. */
    public PathRequest(PathThreadSizing napi, ShapingSpec egress, ShapingSpec ingress) { this(napi, egress, ingress, false); }

    /** True when nothing would be done on the path. */
    public boolean isEmpty() { return napi == null && egress == null && ingress == null && !steerIrqs; }
}
