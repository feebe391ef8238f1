package io.vmqos.lab;

import io.vmqos.core.InvalidInputException;
import java.util.regex.Pattern;

/**
 * What to boot: a guest image on a tap device, with the guest's eth0 address and echo port. Immutable;
 * validated on construction.
 *
 * @param name        VM name (QEMU -name, thread names, run directory), [A-Za-z0-9_-]{1,32}
 * @param image       built guest image
 * @param memoryMiB   guest RAM in MiB (at least 64)
 * @param cpus        vCPUs (1..64)
 * @param guestCidr   eth0 address with prefix, e.g. "10.213.0.2/24"
 * @param echoPort    UDP echo port inside the guest (1..65535)
 * @param tap         existing tap device name QEMU opens (ifname=)
 * @param mac         guest NIC MAC, "52:54:00:xx:xx:xx"
 * @param netns       network namespace holding the tap, QEMU runs inside it; null = the caller's namespace
 */
public record VmSpec(String name, GuestImage image, int memoryMiB, int cpus, String guestCidr, int echoPort,
                     String tap, String mac, String netns) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}");
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    public VmSpec {
        if (name == null || !NAME.matcher(name).matches()) throw new InvalidInputException("vm.name", "'" + name + "' is not [A-Za-z0-9_-]{1,32}", "use letters, digits, '-' or '_'");
        if (image == null) throw new InvalidInputException("vm.image", "missing", "build one with GuestImageBuilder");
        if (memoryMiB < 64) throw new InvalidInputException("vm.memoryMiB", memoryMiB + " MiB is too small", "use at least 64 (default 256)");
        if (cpus < 1 || cpus > 64) throw new InvalidInputException("vm.cpus", cpus + " is out of range", "use 1..64");
        if (guestCidr == null || !CIDR.matcher(guestCidr).matches()) throw new InvalidInputException("vm.guestCidr", "'" + guestCidr + "' is not A.B.C.D/NN", "e.g. 10.213.0.2/24");
        if (echoPort < 1 || echoPort > 65535) throw new InvalidInputException("vm.echoPort", echoPort + " is out of range", "use 1..65535");
        if (tap == null || !IFNAME.matcher(tap).matches()) throw new InvalidInputException("vm.tap", "'" + tap + "' is not a device name", "at most 15 of [A-Za-z0-9_.-]");
        if (mac == null || !MAC.matcher(mac).matches()) throw new InvalidInputException("vm.mac", "'" + mac + "' is not a lower-case MAC", "e.g. 52:54:00:12:34:56");
    }

    /** A 256 MiB, 2-vCPU VM on {@code tap} in {@code netns}, echo on port 7, MAC derived from the name. */
    public static VmSpec of(String name, GuestImage image, String guestCidr, String tap, String netns) {
        return new VmSpec(name, image, 256, 2, guestCidr, GuestImage.DEFAULT_ECHO_PORT, tap, macFor(name), netns);
    }

    public VmSpec withMemoryMiB(int m) { return new VmSpec(name, image, m, cpus, guestCidr, echoPort, tap, mac, netns); }
    public VmSpec withCpus(int c) { return new VmSpec(name, image, memoryMiB, c, guestCidr, echoPort, tap, mac, netns); }
    public VmSpec withEchoPort(int p) { return new VmSpec(name, image, memoryMiB, cpus, guestCidr, p, tap, mac, netns); }

    /** The guest address without the prefix length, e.g. "10.213.0.2". */
    public String guestIp() { return guestCidr.substring(0, guestCidr.indexOf('/')); }

    /** A stable locally administered MAC (QEMU's 52:54:00 prefix) derived from {@code name}. */
    public static String macFor(String name) {
        int h = name.hashCode() * 0x9E3779B1;
        return String.format("52:54:00:%02x:%02x:%02x", (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
    }
}
