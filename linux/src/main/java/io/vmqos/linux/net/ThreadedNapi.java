package io.vmqos.linux.net;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmqos.core.net.DeviceKind;
import io.vmqos.core.net.KernelThread;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Turns threaded NAPI on for a device ({@code /sys/class/net/DEV/threaded = 1}), so its receive processing runs in
 * {@code napi/DEV-ID} kernel threads that vmqos can give SCHED_DEADLINE reservations, instead of in softirq context
 * where no reservation can reach it.
 *
 * <p>Only devices with NAPI instances can do it. A veth has NAPI only while GRO (or XDP) is on, so for a veth
 * {@link #enable} turns GRO on first ({@code ethtool -K DEV gro on}) and remembers the old setting. A veth's NAPI
 * also only <em>carries</em> packets its peer sends when the peer has TSO off: with TSO on, the kernel
 * ({@code veth_skb_is_eligible_for_gro}) hands all but local UDP-GRO-eligible skbs to {@code netif_rx}, i.e. to
 * the softirq backlog, and the {@code napi/} thread stays idle (measured on 6.18: 20000 pings, 0 wake-ups). So
 * {@link #enable} also turns TSO off on a veth ({@code ethtool -K DEV tso off}, its packets to its peer then go
 * through the peer's NAPI; software GSO still segments) and remembers it; thread both ends of a veth for both
 * directions. Tap (without
 * IFF_NAPI), bridge and loopback have none: the kernel answers EOPNOTSUPP, reported as
 * {@link NapiUnsupportedException} naming the device and what to thread instead.
 *
 * <p>{@link #enable} and {@link #restore} are idempotent with respect to the device state they leave; calls for
 * different devices are independent. Not for concurrent use on the same device.
 */
public final class ThreadedNapi implements NapiControl {
    private static final String GRO = "generic-receive-offload";

    private final IpRoute ip;
    private final KernelThreads threads;

    public ThreadedNapi(IpRoute ip, KernelThreads threads) {
        this.ip = ip;
        this.threads = threads;
    }

    public static ThreadedNapi system() { return new ThreadedNapi(IpRoute.system(), new KernelThreads()); }

    /**
     * Enables threaded NAPI on {@code device} in {@code ns} and waits up to {@code waitForThreads} for its
     * {@code napi/} threads to show (they are created when the NAPI instance is enabled, usually at once).
     *
     * @return the change, to hand to {@link #restore}
     * @throws NapiUnsupportedException the device has no NAPI (nothing left changed)
     * @throws NetCommandException ethtool or the sysfs write failed otherwise (GRO put back)
     */
    @Override
    public NapiChange enable(String device, String ns, Duration waitForThreads) {
        String path = path(device);
        String before;
        try {
            before = ip.readSys(ns, path);
        } catch (NetCommandException e) {
            throw new NapiUnsupportedException(device, ns, "it has no " + path + " (" + e.stderr().strip() + ")",
                    "use a kernel >= 5.12 and check the device name with 'ip " + Namespaces.ipPrefix(ns) + "link show'", e);
        }
        DeviceKind kind = kind(device, ns);
        Optional<Boolean> groBefore = Optional.empty();
        Optional<Boolean> tsoBefore = Optional.empty();
        if (kind == DeviceKind.VETH) {
            boolean gro = groOn(device, ns);
            if (!gro) {
                ip.ethtool(ns, "-K", device, "gro", "on");
                groBefore = Optional.of(false);
            }
            if (tsoOn(device, ns)) {
                try {
                    ip.ethtool(ns, "-K", device, "tso", "off");
                } catch (NetCommandException e) {
                    groBefore.ifPresent(g -> setGro(device, ns, g));
                    throw e;
                }
                tsoBefore = Optional.of(true);
            }
        }
        if (!"1".equals(before)) {
            try {
                ip.writeSys(ns, path, "1");
            } catch (NetCommandException e) {
                tsoBefore.ifPresent(t -> setTso(device, ns, t));
                groBefore.ifPresent(g -> setGro(device, ns, g));
                if (e.stderr().contains("Operation not supported")) {
                    throw new NapiUnsupportedException(device, ns,
                            "the kernel answered EOPNOTSUPP: this " + kind.name().toLowerCase(java.util.Locale.ROOT)
                                    + " has no NAPI instance", fixFor(kind, device, ns), e);
                }
                throw e;
            }
        }
        return new NapiChange(device, ns, before, groBefore, tsoBefore, awaitThreads(device, waitForThreads));
    }

    /** Puts back the {@code threaded} value and then the TSO and GRO settings recorded in {@code change}. */
    @Override
    public void restore(NapiChange change) {
        String path = path(change.device());
        String now = ip.readSys(change.ns(), path);
        if (!now.equals(change.previousThreaded())) ip.writeSys(change.ns(), path, change.previousThreaded());
        change.previousTso().ifPresent(t -> setTso(change.device(), change.ns(), t));
        change.previousGro().ifPresent(g -> setGro(change.device(), change.ns(), g));
    }

    /**
     * What {@link #enable} would record, changing nothing: {@code threaded} now and, for a veth, GRO (recorded when off:
     * enable turns it on) and TSO (recorded when on: enable turns it off).
     *
     * @throws NetCommandException the device has no {@code threaded} file (gone, or a kernel without threaded NAPI)
     */
    @Override
    public NapiChange settings(String device, String ns) {
        String threaded = ip.readSys(ns, path(device));
        Optional<Boolean> gro = Optional.empty(), tso = Optional.empty();
        if (kind(device, ns) == DeviceKind.VETH) {
            if (!groOn(device, ns)) gro = Optional.of(false);
            if (tsoOn(device, ns)) tso = Optional.of(true);
        }
        return new NapiChange(device, ns, threaded, gro, tso, List.of());
    }

    /** True when threaded NAPI is on ({@code threaded} is neither 0 nor unreadable). */
    public boolean isThreaded(String device, String ns) {
        try {
            return !"0".equals(ip.readSys(ns, path(device)));
        } catch (NetCommandException e) {
            return false;
        }
    }

    /** Polls every 20 ms up to {@code timeout} for the device's {@code napi/} threads; may return empty. */
    public List<KernelThread> awaitThreads(String device, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<KernelThread> found = threads.napiThreads(device);
            if (!found.isEmpty() || System.nanoTime() >= end) return found;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return found;
            }
        }
    }

    /** Polls up to {@code timeout} until the device has no {@code napi/} threads; true when they are gone. */
    public boolean awaitNoThreads(String device, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!threads.napiThreads(device).isEmpty()) {
            if (System.nanoTime() >= end) return false;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** GRO state from {@code ethtool --json -k}. */
    public boolean groOn(String device, String ns) {
        JsonNode arr = ip.ethtoolJson(ns, "-k", device);
        JsonNode f = (arr.isArray() ? arr.path(0) : arr).path(GRO);
        return f.path("active").asBoolean(false);
    }

    /** TSO state ({@code tcp-segmentation-offload}) from {@code ethtool --json -k}. */
    public boolean tsoOn(String device, String ns) {
        JsonNode arr = ip.ethtoolJson(ns, "-k", device);
        JsonNode f = (arr.isArray() ? arr.path(0) : arr).path("tcp-segmentation-offload");
        return f.path("active").asBoolean(false);
    }

    private void setTso(String device, String ns, boolean on) {
        ip.ethtool(ns, "-K", device, "tso", on ? "on" : "off");
    }

    private void setGro(String device, String ns, boolean on) {
        ip.ethtool(ns, "-K", device, "gro", on ? "on" : "off");
    }

    private DeviceKind kind(String device, String ns) {
        JsonNode arr = ip.ipJson(ns, "-d", "link", "show", "dev", device);
        JsonNode link = arr.path(0);
        JsonNode info = link.path("linkinfo");
        return IpRoute.deviceKind(IpRoute.text(info, "info_kind"), IpRoute.text(info.path("info_data"), "type"),
                IpRoute.text(link, "link_type"), false);
    }

    private static String fixFor(DeviceKind kind, String device, String ns) {
        return switch (kind) {
            case VETH -> "bring the veth up with GRO on (" + Namespaces.execPrefix(ns) + "ethtool -K " + device + " gro on)";
            case TAP -> "thread the NAPI of the devices behind the bridge (veth/NIC) instead, or open the tap with IFF_NAPI";
            case LOOPBACK, BRIDGE, BOND, VLAN, MACVTAP ->
                    "thread the NAPI of the veth or NIC underneath instead; this device never polls";
            default -> "this driver does not support threaded NAPI; reserve CPU for the softirq context instead";
        };
    }

    private static String path(String device) { return "/sys/class/net/" + device + "/threaded"; }
}
