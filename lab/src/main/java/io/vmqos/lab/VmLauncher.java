package io.vmqos.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Starts QEMU for a {@link VmSpec} and waits until the guest prints {@link GuestImage#READY_MARKER}.
 *
 * <p>Accelerator choice: env {@code VMQOS_ACCEL} = {@code tcg} | {@code kvm} | {@code auto} (default auto), or
 * {@link #accel(Accel)}. Auto tries KVM only when /dev/kvm opens read-write, waits {@link #kvmTimeout} for the
 * marker, and on timeout or failure kills that QEMU and boots again under TCG with {@link #tcgTimeout}.
 * (Nested KVM guests on some hosts hang in early boot; then set VMQOS_ACCEL=tcg to skip the wait.)
 * vhost=on when /dev/vhost-net exists, else vhost=off.
 *
 * <p>Blocking; call from any thread. The returned VM is registered with {@link Cleanup}.
 */
public final class VmLauncher {
    private Accel forced = fromEnv();
    private Duration kvmTimeout = Duration.ofSeconds(20);
    private Duration tcgTimeout = Duration.ofSeconds(60);
    private Path runRoot = Path.of(System.getProperty("java.io.tmpdir"));
    private Path qmpSocket;

    /** Forces one accelerator (no fallback); null restores auto. */
    public VmLauncher accel(Accel a) { this.forced = a; return this; }
    public VmLauncher kvmTimeout(Duration d) { this.kvmTimeout = d; return this; }
    public VmLauncher tcgTimeout(Duration d) { this.tcgTimeout = d; return this; }
    /** Where per-VM run directories go (default java.io.tmpdir; keep short: QMP socket paths max 107 bytes). */
    public VmLauncher runRoot(Path p) { this.runRoot = p; return this; }

    /** Puts QEMU's QMP socket at {@code p} instead of the run directory (a VM restarted on the same socket, as an operator's would). */
    public VmLauncher qmpSocket(Path p) { this.qmpSocket = p; return this; }

    static Accel fromEnv() {
        String v = System.getenv("VMQOS_ACCEL");
        if (v == null || v.isBlank() || v.equalsIgnoreCase("auto")) return null;
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "tcg" -> Accel.TCG;
            case "kvm" -> Accel.KVM;
            default -> throw new io.vmqos.core.InvalidInputException("VMQOS_ACCEL", "'" + v + "' is not tcg, kvm or auto", "unset it or use tcg");
        };
    }

    /**
     * Whether /dev/kvm is a character device this process can open read-write. Opened with READ and WRITE only (never
     * CREATE): {@code new RandomAccessFile(path, "rw")} would create an empty regular file where the kernel has no KVM,
     * which libvirt then fails to bind into a domain's /dev ("Unable to move ... mount to /dev/kvm").
     */
    public static boolean kvmUsable() {
        java.nio.file.Path dev = java.nio.file.Path.of("/dev/kvm");
        try {
            if (!Files.exists(dev) || Files.isRegularFile(dev) || Files.isDirectory(dev)) return false;
            try (var ch = java.nio.channels.FileChannel.open(dev, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                return true;
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The accelerators to try, in order. */
    List<Accel> plan() {
        if (forced != null) return List.of(forced);
        return kvmUsable() ? List.of(Accel.KVM, Accel.TCG) : List.of(Accel.TCG);
    }

    /** Boots {@code spec}; throws {@link LabSetupException} with the console tail if no accelerator got it ready. */
    public LabVm launch(VmSpec spec) {
        Packages.requireTool("qemu-system-x86_64", "qemu-system-x86");
        if (spec.netns() != null) Packages.requireTool("ip", "iproute2");
        boolean vhost = Files.exists(Path.of("/dev/vhost-net"));
        List<String> failures = new ArrayList<>();
        for (Accel a : plan()) {
            Duration timeout = a == Accel.KVM ? kvmTimeout : tcgTimeout;
            try {
                return boot(spec, a, vhost, timeout, failures);
            } catch (BootFailed f) {
                failures.add(a + ": " + f.getMessage());
                System.err.println("vmqos: VM " + spec.name() + " did not boot under " + a + ": " + f.getMessage().lines().findFirst().orElse(""));
            }
        }
        throw new LabSetupException("VM " + spec.name() + " did not become ready: " + String.join("; ", failures),
                "read the console log quoted above; set VMQOS_ACCEL=tcg if KVM hangs, check the tap and netns exist");
    }

    private static final class BootFailed extends Exception {
        BootFailed(String m) { super(m, null, false, false); }
    }

    private LabVm boot(VmSpec spec, Accel accel, boolean vhost, Duration timeout, List<String> failures) throws BootFailed {
        Path dir;
        try {
            Files.createDirectories(runRoot);
            dir = Files.createTempDirectory(runRoot, "vqlab-" + spec.name() + "-");
        } catch (IOException e) {
            throw new LabSetupException("cannot create a run directory in " + runRoot + ": " + e, "check permissions or free space");
        }
        QemuCommandLine.RunFiles files = QemuCommandLine.RunFiles.in(dir);
        if (qmpSocket != null) {
            files = new QemuCommandLine.RunFiles(dir, qmpSocket, files.pidFile(), files.consoleLog(), files.stderrLog());
        }
        List<String> cmd = QemuCommandLine.build(spec, accel, files, vhost);
        long t0 = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(files.stderrLog().toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            GuestImageBuilder.deleteTree(dir);
            throw new LabSetupException("cannot start " + cmd.getFirst() + ": " + e.getMessage(), "install qemu-system-x86 and iproute2");
        }
        long deadline = t0 + timeout.toNanos();
        String why;
        while (true) {
            String console = LabVm.readQuietly(files.consoleLog());
            if (console.contains(GuestImage.READY_MARKER)) {
                Duration boot = Duration.ofNanos(System.nanoTime() - t0);
                long pid = readPid(files.pidFile(), p);
                return new LabVm(spec, accel, files, p, pid, boot, failures);
            }
            if (console.contains("VMQOS-GUEST-ERROR") || console.contains("Kernel panic")) { why = "guest failed"; break; }
            if (!p.isAlive()) { why = "QEMU exited with " + p.exitValue(); break; }
            if (System.nanoTime() > deadline) { why = "no " + GuestImage.READY_MARKER + " within " + timeout.toSeconds() + " s"; break; }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                why = "interrupted";
                break;
            }
        }
        long pid = Files.exists(files.pidFile()) ? readPid(files.pidFile(), p) : p.pid();
        String detail = why + "; qemu: " + tail(LabVm.readQuietly(files.stderrLog()), 600)
                + "; console: " + tail(LabVm.readQuietly(files.consoleLog()), 1200);
        LabVm.stop(pid, p, files.qmpSocket());
        GuestImageBuilder.deleteTree(dir);
        throw new BootFailed(detail);
    }

    /** QEMU's pid from its pidfile (written before the guest runs); falls back to the launched process. */
    private static long readPid(Path pidFile, Process p) {
        try {
            String s = Files.readString(pidFile).strip();
            if (!s.isEmpty()) return Long.parseLong(s);
        } catch (IOException | NumberFormatException ignored) {
            // fall through
        }
        return p.pid();
    }

    private static String tail(String s, int n) {
        String t = s.strip();
        return t.length() <= n ? t : "..." + t.substring(t.length() - n);
    }
}
