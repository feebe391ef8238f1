package io.vmqos.lab.libvirt;

import io.vmqos.core.InvalidInputException;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * What the lab asks libvirt to boot: a TCG (type 'qemu') domain of the lab guest image. Immutable; validated on
 * construction. The guest gets user-mode networking only (QEMU's built-in slirp, never a host bridge) because its
 * /init waits for eth0 before it prints the ready marker.
 *
 * @param name      domain name, {@code [A-Za-z0-9_-]{1,40}}; also names the image copy directory and the pidfile
 * @param vcpus     vCPUs, 1..8
 * @param memoryMiB guest RAM in MiB, at least 64
 * @param iothreads libvirt {@code <iothreads>} count, 0..4 (QEMU threads named {@code IO iothread1}, ...)
 * @param echoPort  UDP echo port inside the guest (1..65535); nothing on the host reaches it (user-mode net)
 */
public record DomainSpec(String name, int vcpus, int memoryMiB, int iothreads, int echoPort) {
    /** Prefix of every domain name the lab generates ({@code vqlv-<hex>}). */
    public static final String NAME_PREFIX = "vqlv-";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,40}");

    public DomainSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidInputException("domain.name", "'" + name + "' is not [A-Za-z0-9_-]{1,40}", "use letters, digits, '-' or '_'");
        }
        if (vcpus < 1 || vcpus > 8) throw new InvalidInputException("domain.vcpus", vcpus + " is out of range", "use 1..8");
        if (memoryMiB < 64) throw new InvalidInputException("domain.memoryMiB", memoryMiB + " MiB is too small", "use at least 64 (default 256)");
        if (iothreads < 0 || iothreads > 4) throw new InvalidInputException("domain.iothreads", iothreads + " is out of range", "use 0..4");
        if (echoPort < 1 || echoPort > 65535) throw new InvalidInputException("domain.echoPort", echoPort + " is out of range", "use 1..65535");
    }

    /** A fresh {@code vqlv-<random hex>} domain: 2 vCPUs, 256 MiB, one iothread, echo on port 7. */
    public static DomainSpec random() {
        return new DomainSpec(NAME_PREFIX + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000000, 0x7fffffff)),
                2, 256, 1, 7);
    }

    public DomainSpec withVcpus(int n) { return new DomainSpec(name, n, memoryMiB, iothreads, echoPort); }

    public DomainSpec withIothreads(int n) { return new DomainSpec(name, vcpus, memoryMiB, n, echoPort); }
}
