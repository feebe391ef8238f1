package io.vmqos.core.net;

/** What a device on a VM's network path is, from {@code ip -d link}'s {@code linkinfo.info_kind}. */
public enum DeviceKind {
    TAP, BRIDGE, VETH, BOND, VLAN, MACVTAP, LOOPBACK,
    /** No {@code info_kind} and a backing {@code device} in sysfs: a NIC driver (virtio_net, mlx5, ...). */
    PHYSICAL,
    OTHER
}
