package io.vmqos.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pure construction of the qemu-system-x86_64 command line for a {@link VmSpec}. No I/O; thread-safe.
 * When the spec names a network namespace the command is wrapped in {@code ip netns exec NS}, which execs
 * QEMU in place (same pid); the pidfile is still read to be sure of QEMU's own pid.
 */
public final class QemuCommandLine {
    private QemuCommandLine() {}

    /** Per-VM files QEMU creates: QMP socket, pidfile, serial console log. */
    public record RunFiles(Path directory, Path qmpSocket, Path pidFile, Path consoleLog, Path stderrLog) {
        public static RunFiles in(Path dir) {
            return new RunFiles(dir, dir.resolve("qmp.sock"), dir.resolve("qemu.pid"), dir.resolve("console.log"),
                    dir.resolve("qemu.stderr"));
        }
    }

    /** The kernel command line: serial console, no reboot on panic, and the guest's address and echo port. */
    public static String kernelAppend(VmSpec spec) {
        return "console=ttyS0 quiet panic=-1 vmqos.ip=" + spec.guestCidr() + " vmqos.echo_port=" + spec.echoPort();
    }

    /** The full argv; {@code vhost} selects vhost=on (only when /dev/vhost-net exists). */
    public static List<String> build(VmSpec spec, Accel accel, RunFiles files, boolean vhost) {
        List<String> c = new ArrayList<>(48);
        if (spec.netns() != null) c.addAll(NetnsExec.prefix(spec.netns()));
        c.add("qemu-system-x86_64");
        c.addAll(List.of("-name", spec.name() + ",debug-threads=on"));
        c.addAll(accel.qemuArgs());
        c.addAll(List.of("-m", Integer.toString(spec.memoryMiB()), "-smp", Integer.toString(spec.cpus())));
        c.addAll(List.of("-nodefaults", "-display", "none", "-no-reboot"));
        c.addAll(List.of("-kernel", spec.image().kernel().toString(), "-initrd", spec.image().initrd().toString()));
        c.addAll(List.of("-append", kernelAppend(spec)));
        c.addAll(List.of("-serial", "file:" + files.consoleLog()));
        c.addAll(List.of("-qmp", "unix:" + files.qmpSocket() + ",server=on,wait=off"));
        c.addAll(List.of("-pidfile", files.pidFile().toString()));
        c.addAll(List.of("-netdev", "tap,id=n0,ifname=" + spec.tap() + ",script=no,downscript=no,vhost=" + (vhost ? "on" : "off")));
        c.addAll(List.of("-device", "virtio-net-pci,netdev=n0,mac=" + spec.mac()));
        return c;
    }
}
