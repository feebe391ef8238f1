package io.vmqos.core.desired;

import io.vmqos.core.net.ShapingSpec;

/**
 * tc shaping of one VM's device.
 *
 * @param direction {@link #EGRESS}: traffic leaving the device (on a tap: towards the VM); {@link #INGRESS}: traffic
 *     entering it (on a tap: from the VM), shaped through an ifb
 */
public record DesiredShaping(DeviceRef device, String direction, ShapingSpec spec, String vm) {
    public static final String EGRESS = "egress";
    public static final String INGRESS = "ingress";

    public DesiredShaping {
        if (!EGRESS.equals(direction) && !INGRESS.equals(direction)) throw new IllegalArgumentException("direction " + direction);
    }
}
