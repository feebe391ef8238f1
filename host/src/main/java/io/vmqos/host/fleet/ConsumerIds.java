package io.vmqos.host.fleet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A VM's Placement consumer UUID, the same wherever it is asked on this host and across restarts:
 * <ol>
 *   <li>libvirt's domain UUID, from its status file {@code /run/libvirt/qemu/NAME.xml} ({@code <uuid>}), for a VM
 *       that is a libvirt domain (Nova's instance UUID on an OpenStack compute node);</li>
 *   <li>else QEMU's own {@code -uuid}, from its command line ({@code /proc/PID/cmdline}; what QMP's
 *       {@code query-uuid} answers, read without a QMP exchange), when given and not all zero;</li>
 *   <li>else {@code UUID.nameUUIDFromBytes("vmqos:" + HOST + ":" + VM)} (a version-3 UUID of the provider's name and
 *       the VM's name).</li>
 * </ol>
 * Reads two small files; any thread; nothing cached.
 */
public final class ConsumerIds {
    private static final Pattern UUID_ELEMENT = Pattern.compile("<uuid>\\s*([0-9a-fA-F-]{36})\\s*</uuid>");
    private static final UUID ZERO = new UUID(0, 0);

    private final Path libvirtRunDir;
    private final Path proc;

    public ConsumerIds(Path libvirtRunDir, Path proc) {
        this.libvirtRunDir = libvirtRunDir;
        this.proc = proc;
    }

    /** The system's: {@code /run/libvirt/qemu} and {@code /proc}. */
    public static ConsumerIds system() { return new ConsumerIds(Path.of("/run/libvirt/qemu"), Path.of("/proc")); }

    /** The derived UUID of VM {@code vm} on host provider {@code host} (rule 3). */
    public static UUID derived(String host, String vm) {
        return UUID.nameUUIDFromBytes(("vmqos:" + host + ":" + vm).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The consumer UUID of VM {@code vm} whose QEMU is {@code pid} (0 or less: unknown) on host provider {@code host}.
     */
    public UUID of(String host, String vm, int pid) {
        return libvirt(vm).or(() -> pid > 0 ? qemu(pid) : Optional.empty()).orElseGet(() -> derived(host, vm));
    }

    private Optional<UUID> libvirt(String vm) {
        if (vm.contains("/")) return Optional.empty();
        try {
            Matcher m = UUID_ELEMENT.matcher(Files.readString(libvirtRunDir.resolve(vm + ".xml")));
            return m.find() ? parse(m.group(1)) : Optional.empty();
        } catch (IOException | RuntimeException notADomain) {
            return Optional.empty();
        }
    }

    private Optional<UUID> qemu(int pid) {
        try {
            String[] args = new String(Files.readAllBytes(proc.resolve(Integer.toString(pid)).resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
            for (int i = 0; i + 1 < args.length; i++) if (args[i].equals("-uuid")) return parse(args[i + 1]);
            return Optional.empty();
        } catch (IOException gone) {
            return Optional.empty();
        }
    }

    private static Optional<UUID> parse(String s) {
        try {
            UUID u = UUID.fromString(s.strip());
            return u.equals(ZERO) ? Optional.empty() : Optional.of(u);
        } catch (IllegalArgumentException notAUuid) {
            return Optional.empty();
        }
    }
}
