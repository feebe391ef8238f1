package io.vmqos.lab;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A running lab VM started by {@link VmLauncher} whose guest printed {@link GuestImage#READY_MARKER}.
 * {@link #close()} asks QEMU to quit over QMP, then escalates to SIGTERM and SIGKILL, waits for the process to
 * be gone and deletes the run directory (QMP socket, pidfile, console log). close() is idempotent and
 * thread-safe; it also runs from the JVM shutdown hook ({@link Cleanup}) if the owner never calls it.
 */
public final class LabVm implements AutoCloseable {
    private final VmSpec spec;
    private final Accel accel;
    private final QemuCommandLine.RunFiles files;
    private final Process launcher;
    private final long pid;
    private final Duration bootTime;
    private final java.util.List<String> failedAttempts;
    private final Cleanup.Registration registration;
    private boolean closed;

    LabVm(VmSpec spec, Accel accel, QemuCommandLine.RunFiles files, Process launcher, long pid, Duration bootTime,
          java.util.List<String> failedAttempts) {
        this.failedAttempts = java.util.List.copyOf(failedAttempts);
        this.spec = spec;
        this.accel = accel;
        this.files = files;
        this.launcher = launcher;
        this.pid = pid;
        this.bootTime = bootTime;
        this.registration = Cleanup.register("VM " + spec.name() + " (pid " + pid + ")", this);
    }

    public VmSpec spec() { return spec; }
    /** QEMU's own pid (from its -pidfile), the parent of its vCPU/IO threads in /proc/PID/task. */
    public long pid() { return pid; }
    public Path qmpSocket() { return files.qmpSocket(); }
    /** The accelerator that actually booted the guest (KVM, or TCG after a fallback). */
    public Accel accel() { return accel; }
    public Path consoleLog() { return files.consoleLog(); }
    /** From process start to the ready marker on the console (includes kernel boot and module loading). */
    public Duration bootTime() { return bootTime; }
    /** Why earlier accelerators failed before this one booted ("KVM: ..."); empty when the first one worked. */
    public java.util.List<String> failedAttempts() { return failedAttempts; }
    /** Guest eth0 address, e.g. "10.213.0.2". */
    public String guestIp() { return spec.guestIp(); }
    public int echoPort() { return spec.echoPort(); }

    public boolean isAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Serial console output so far. */
    public String console() {
        return readQuietly(files.consoleLog());
    }

    /** Runs one QMP command through a private minimal client and returns its "return" node. */
    public JsonNode qmp(String command, Duration timeout) throws IOException {
        return MiniQmp.execute(files.qmpSocket(), command, timeout);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        stop(pid, launcher, files.qmpSocket()); // if this throws, the VM stays registered for the shutdown hook
        closed = true;
        GuestImageBuilder.deleteTree(files.directory());
        registration.unregister();
    }

    /** Stops QEMU {@code pid}: QMP quit, then SIGTERM, then SIGKILL; returns once it is gone. */
    static void stop(long pid, Process launcher, Path qmp) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isPresent() && h.get().isAlive()) {
            try {
                MiniQmp.execute(qmp, "quit", Duration.ofSeconds(2));
            } catch (IOException | RuntimeException | LinkageError ignored) {
                // quit closes the socket before or after answering, or QMP is unusable: the signals below decide
            }
            if (!waitGone(h.get(), Duration.ofSeconds(5))) {
                h.get().destroy();
                if (!waitGone(h.get(), Duration.ofSeconds(3))) {
                    h.get().destroyForcibly();
                    waitGone(h.get(), Duration.ofSeconds(5));
                }
            }
        }
        if (launcher != null && launcher.isAlive()) {
            launcher.destroyForcibly();
        }
        if (launcher != null) {
            try {
                launcher.waitFor(); // reap the direct child
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static boolean waitGone(ProcessHandle h, Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (h.isAlive() && System.nanoTime() < end) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !h.isAlive();
            }
        }
        return !h.isAlive();
    }

    static String readQuietly(Path p) {
        try {
            return Files.exists(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public String toString() {
        return "LabVm[" + spec.name() + " pid=" + pid + " accel=" + accel + " ip=" + spec.guestIp() + " boot=" + bootTime.toMillis() + "ms]";
    }
}
