package io.vmqos.linux.net;

import io.vmqos.core.net.ShapingSpec;

/**
 * One VM's class on a device shared by several VMs (bridge uplink, veth): the VM's name (for messages), the MAC
 * address its traffic carries, and its {@link ShapingSpec}.
 */
public record VmShare(String vm, String mac, ShapingSpec spec) {
    public VmShare {
        if (mac == null || !mac.matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}"))
            throw new io.vmqos.core.InvalidInputException("mac", "'" + mac + "' is not a MAC address",
                    "give the VM's MAC as aa:bb:cc:dd:ee:ff (QEMU -device virtio-net,mac=...)");
    }
}
