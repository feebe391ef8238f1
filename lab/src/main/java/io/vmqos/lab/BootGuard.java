package io.vmqos.lab;

import io.vmqos.lab.Cleanup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Covers the window in which a lab VM is booting but not yet a registered {@link io.vmqos.lab.LabVm}: the VM's run
 * directory is put under a private root, and if the JVM exits (SIGTERM, Ctrl-C) before {@link #close()}, the
 * {@link Cleanup} hook stops every QEMU whose pidfile is under that root and deletes the root. Only pids from our
 * own pidfiles whose {@code comm} is a QEMU are signalled. {@link #close()} is idempotent; call it after the VM is
 * closed (normal exit), when the root holds nothing of a live VM any more.
 */
public final class BootGuard implements AutoCloseable {
    private final Path root;
    private final Cleanup.Registration registration;

    private BootGuard(Path root) {
        this.root = root;
        this.registration = Cleanup.register("lab VM boot guard " + root, this::stopAndDelete);
    }

    /** Creates a fresh private run root under java.io.tmpdir (short: QMP socket paths are limited to 107 bytes). */
    public static BootGuard create(String id) throws IOException {
        return new BootGuard(Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "vqrun-" + id + "-"));
    }

    /** The run root to hand to {@link io.vmqos.lab.VmLauncher#runRoot}. */
    public Path root() { return root; }

    @Override
    public void close() {
        registration.unregister();
        stopAndDelete();
    }

    private void stopAndDelete() {
        if (!Files.isDirectory(root)) return;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path pidFile : files.filter(p -> p.getFileName().toString().equals("qemu.pid")).toList()) stop(pidFile);
        } catch (IOException | RuntimeException e) {
            System.err.println("vmqos: boot guard could not scan " + root + ": " + e);
        }
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> all = files.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("vmqos: could not delete " + root + ": " + e);
        }
    }

    private static void stop(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            String comm = Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
            if (!comm.startsWith("qemu-system")) return;
            ProcessHandle.of(pid).ifPresent(h -> {
                h.destroy();
                try {
                    h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            });
        } catch (IOException | NumberFormatException e) {
            // no pidfile content yet, or the process is gone
        }
    }
}
