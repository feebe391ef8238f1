package io.vmqos.linux.net;

/** What a device on a VM's network path is, from {@code ip -d link}'s {@code linkinfo.info_kind}. */
public enum DeviceKind {
    TAP, BRIDGE, VETH, BOND, VLAN, MACVTAP, LOOPBACK,
    /** No {@code info_kind} and a backing {@code device} in sysfs: a NIC driver (virtio_net, mlx5, ...). */
    PHYSICAL,
    OTHER;

    /** Kind from {@code info_kind} (may be null), {@code info_data.type} for tun/tap and the link type. */
    static DeviceKind of(String infoKind, String tunType, String linkType, boolean hasDevice) {
        if ("loopback".equals(linkType)) return LOOPBACK;
        if (infoKind == null) return hasDevice ? PHYSICAL : OTHER;
        return switch (infoKind) {
            case "tun" -> "tap".equals(tunType) ? TAP : OTHER;
            case "bridge" -> BRIDGE;
            case "veth" -> VETH;
            case "bond" -> BOND;
            case "vlan" -> VLAN;
            case "macvtap" -> MACVTAP;
            default -> OTHER;
        };
    }
}
