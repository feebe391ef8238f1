package io.vmqos.core.net;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A VM's host network as discovered: its taps, for each tap the path tap → bridge → ports, and the far ends of veth
 * ports ({@code peers}, e.g. the lab's client-side veth in another namespace), which carry the VM's outgoing packets
 * in their own NAPI threads. Immutable snapshot.
 *
 * @param vm the VM key (its name, or {@code pid-N} when QEMU has none)
 */
public record VmNetwork(String vm, List<TapRef> taps, List<NetPath> paths, List<NetDevice> peers) {
    /** Kinds that never poll: their packets are carried by NAPI of the devices around them. */
    public static final Set<DeviceKind> NO_NAPI = Set.of(DeviceKind.TAP, DeviceKind.BRIDGE, DeviceKind.BOND, DeviceKind.VLAN,
            DeviceKind.MACVTAP, DeviceKind.LOOPBACK);

    public VmNetwork {
        taps = List.copyOf(taps);
        paths = List.copyOf(paths);
        peers = List.copyOf(peers);
    }

    /** Every device on the path, once (by namespace and name), path order then peers. */
    public List<NetDevice> devices() {
        Map<String, NetDevice> m = new LinkedHashMap<>();
        for (NetPath p : paths) for (NetDevice d : p.devices()) m.putIfAbsent(d.ns() + "/" + d.name(), d);
        for (NetDevice d : peers) m.putIfAbsent(d.ns() + "/" + d.name(), d);
        return List.copyOf(m.values());
    }

    /**
     * The devices whose NAPI vmqos threads: veth, NIC and unknown kinds (an unknown kind that has no NAPI makes the
     * path transaction fail, naming it). Taps, bridges, bonds, VLANs, macvtaps and loopback never poll and are
     * skipped ({@link #NO_NAPI}).
     */
    public List<NetDevice> napiDevices() {
        List<NetDevice> out = new ArrayList<>();
        for (NetDevice d : devices()) if (!NO_NAPI.contains(d.kind())) out.add(d);
        return out;
    }
}
