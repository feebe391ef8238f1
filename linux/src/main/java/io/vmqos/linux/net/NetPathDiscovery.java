package io.vmqos.linux.net;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmqos.core.net.DeviceKind;
import io.vmqos.core.net.Irq;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.net.NetPath;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Follows a VM's packets on the host: tap → master bridge → the bridge's other ports (veth, physical NICs, bonds
 * and their slaves), and for each device whether threaded NAPI is on, its {@code napi/DEV-ID} threads and its IRQs
 * with their affinity and {@code irq/N-name} handler thread (present only with {@code threadirqs} or drivers that
 * request threaded handlers; both cases are handled: {@link Irq#thread()} is then empty).
 *
 * <p>All iproute2 and sysfs reads run in the given network namespace ({@code null} = the caller's). IRQs are looked
 * up only for devices backed by hardware (PHYSICAL): {@code /sys/class/net/DEV/device/msi_irqs} of the PCI function
 * (for virtio-net, of the PCI function above the {@code virtioN} device) plus {@code /proc/interrupts} actions named
 * after the device or its {@code virtioN}; virtual devices (veth, tap, bridge) have no IRQs, and matching their names
 * against the system-wide {@code /proc/interrupts} would mistake a container's {@code eth0} for the host's.
 *
 * <p>Read-only; a snapshot (threads may come and go afterwards). Thread-safe.
 */
public final class NetPathDiscovery {
    private final IpRoute ip;
    private final KernelThreads threads;
    private final Interrupts interrupts;

    public NetPathDiscovery(IpRoute ip, KernelThreads threads, Interrupts interrupts) {
        this.ip = ip;
        this.threads = threads;
        this.interrupts = interrupts;
    }

    public static NetPathDiscovery system() {
        return new NetPathDiscovery(IpRoute.system(), new KernelThreads(), new Interrupts());
    }

    /**
     * The path of the VM whose tap is {@code tap} in namespace {@code ns}.
     *
     * @throws NetPathException NO_SUCH_DEVICE (no such tap: the VM has no tap networking or the name is wrong),
     *     NOT_A_TAP, or NO_BRIDGE (a tap not enslaved to a Linux bridge: routed taps, OVS are not followed)
     */
    public NetPath discover(String tap, String ns) {
        JsonNode tapLink = link(tap, ns);
        DeviceKind tapKind = kindOf(tapLink, ns);
        if (tapKind != DeviceKind.TAP) {
            throw new NetPathException(NetPathException.Reason.NOT_A_TAP, tap,
                    "device " + tap + Namespaces.describe(ns) + " is a " + tapKind + ", not a tap",
                    "give the tap QEMU uses (-netdev tap,ifname=NAME); list taps with 'ip " + Namespaces.ipPrefix(ns) + "-d link show type tun'", null);
        }
        String bridge = IpRoute.text(tapLink, "master");
        if (bridge == null) {
            throw new NetPathException(NetPathException.Reason.NO_BRIDGE, tap,
                    "tap " + tap + Namespaces.describe(ns) + " is not attached to a bridge",
                    "attach it: ip " + Namespaces.ipPrefix(ns) + "link set " + tap + " master BRIDGE", null);
        }
        JsonNode bridgeLink = link(bridge, ns);
        DeviceKind bridgeKind = kindOf(bridgeLink, ns);
        if (bridgeKind != DeviceKind.BRIDGE) {
            throw new NetPathException(NetPathException.Reason.NO_BRIDGE, tap,
                    "tap " + tap + Namespaces.describe(ns) + " has master " + bridge + " which is a " + bridgeKind
                            + ", not a Linux bridge", "attach the tap to a Linux bridge (ip link add BR type bridge)", null);
        }
        Map<String, DeviceKind> devices = new LinkedHashMap<>();
        devices.put(tap, tapKind);
        devices.put(bridge, bridgeKind);
        for (JsonNode port : ip.ipJson(ns, "-d", "link", "show", "master", bridge)) {
            String name = IpRoute.text(port, "ifname");
            if (name == null || devices.containsKey(name)) continue;
            DeviceKind kind = kindOf(port, ns);
            devices.put(name, kind);
            if (kind == DeviceKind.BOND) {
                for (JsonNode slave : ip.ipJson(ns, "-d", "link", "show", "master", name)) {
                    String s = IpRoute.text(slave, "ifname");
                    if (s != null) devices.putIfAbsent(s, kindOf(slave, ns));
                }
            }
        }
        Map<Integer, List<String>> actions = interrupts.actions();
        List<NetDevice> out = new ArrayList<>(devices.size());
        devices.forEach((name, kind) -> out.add(describe(name, kind, ns, actions)));
        return new NetPath(tap, bridge, out);
    }

    /** One device on its own (e.g. a host uplink), with its NAPI and IRQ threads. */
    public NetDevice device(String name, String ns) {
        return describe(name, kindOf(link(name, ns), ns), ns, interrupts.actions());
    }

    private NetDevice describe(String name, DeviceKind kind, String ns, Map<Integer, List<String>> actions) {
        boolean threaded = threadedNapi(name, ns);
        // NAPI threads exist only while threaded NAPI is on: no walk of every process for a device without them
        List<KernelThread> napi = threaded ? threads.napiThreads(name) : List.of();
        List<Irq> irqs = kind == DeviceKind.PHYSICAL ? irqsOf(name, ns, actions) : List.of();
        return new NetDevice(name, kind, ns, threaded, napi, irqs);
    }

    private boolean threadedNapi(String name, String ns) {
        try {
            String v = ip.readSys(ns, "/sys/class/net/" + name + "/threaded");
            return !v.isEmpty() && !v.equals("0");
        } catch (NetCommandException absent) {
            return false; // kernels before 5.12 have no such attribute
        }
    }

    private List<Irq> irqsOf(String name, String ns, Map<Integer, List<String>> actions) {
        String dev = "/sys/class/net/" + name + "/device";
        java.util.TreeSet<Integer> numbers = new java.util.TreeSet<>();
        for (String s : ip.listSys(ns, dev + "/msi_irqs")) parseInto(numbers, s);
        String owner = null;
        try {
            String real = ip.run(realpath(ns, dev), null).stdout().strip();
            owner = real.substring(real.lastIndexOf('/') + 1);
        } catch (NetCommandException noDevice) {
            // no backing device
        }
        if (owner != null && owner.startsWith("virtio")) {
            for (String s : ip.listSys(ns, dev + "/../msi_irqs")) parseInto(numbers, s);
        }
        for (Map.Entry<Integer, List<String>> e : actions.entrySet()) {
            for (String a : e.getValue()) {
                if (Interrupts.belongsTo(a, name) || (owner != null && Interrupts.belongsTo(a, owner))) numbers.add(e.getKey());
            }
        }
        List<Irq> irqs = new ArrayList<>(numbers.size());
        for (int n : numbers) {
            String label = String.join(",", actions.getOrDefault(n, List.of()));
            Optional<KernelThread> t = threads.irqThread(n);
            irqs.add(new Irq(n, label, interrupts.affinity(n), t));
        }
        return irqs;
    }

    private static void parseInto(java.util.Set<Integer> set, String s) {
        try {
            set.add(Integer.parseInt(s.trim()));
        } catch (NumberFormatException ignored) {
            // not an irq number
        }
    }

    private static List<String> realpath(String ns, String path) {
        List<String> argv = new ArrayList<>();
        if (ns != null) argv.addAll(List.of("ip", "netns", "exec", ns));
        argv.addAll(List.of("readlink", "-f", "-e", path));
        return argv;
    }

    private JsonNode link(String name, String ns) {
        try {
            JsonNode arr = ip.ipJson(ns, "-d", "link", "show", "dev", name);
            if (arr.isArray() && !arr.isEmpty()) return arr.get(0);
        } catch (NetCommandException e) {
            if (!e.stderr().contains("does not exist") && !e.stderr().contains("Cannot find device")) throw e;
        }
        throw new NetPathException(NetPathException.Reason.NO_SUCH_DEVICE, name,
                "no device " + name + Namespaces.describe(ns) + " (a VM without tap networking has none)",
                "give the VM a tap (-netdev tap,ifname=NAME) or the right tap name/namespace; list taps with 'ip "
                        + Namespaces.ipPrefix(ns) + "-d link show type tun'", null);
    }

    private DeviceKind kindOf(JsonNode link, String ns) {
        JsonNode info = link.path("linkinfo");
        String infoKind = IpRoute.text(info, "info_kind");
        String tunType = IpRoute.text(info.path("info_data"), "type");
        boolean hasDevice = infoKind == null
                && ip.existsSys(ns, "/sys/class/net/" + IpRoute.text(link, "ifname") + "/device");
        return IpRoute.deviceKind(infoKind, tunType, IpRoute.text(link, "link_type"), hasDevice);
    }
}
