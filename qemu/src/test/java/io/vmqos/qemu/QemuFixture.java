package io.vmqos.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real, paused QEMU (TCG, multi-threaded so one thread per vCPU, no guest) for tests. {@link #close()} sends
 * QMP quit, waits, then kills -9 and deletes its files: nothing is left running.
 */
public final class QemuFixture implements AutoCloseable {
    static final String BINARY = "qemu-system-x86_64";

    public final Path socket;
    final Path pidfile;
    final Path log;
    final String name;
    final Process process;

    private QemuFixture(String name, boolean debugThreads) throws IOException, InterruptedException {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        this.name = name;
        this.socket = Path.of("/tmp/vqqmp-" + tag + ".sock");
        this.pidfile = Path.of("/tmp/vqqmp-" + tag + ".pid");
        this.log = Path.of("/tmp/vqqmp-" + tag + ".log");
        List<String> cmd = new ArrayList<>(List.of(BINARY, "-machine", "q35", "-accel", "tcg,thread=multi",
                "-smp", String.valueOf(VCPUS), "-m", "128", "-nodefaults", "-display", "none", "-S",
                "-name", debugThreads ? name + ",debug-threads=on" : name,
                "-object", "iothread,id=io1",
                "-qmp", "unix:" + socket + ",server=on,wait=off", "-pidfile", pidfile.toString()));
        this.process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!(Files.exists(socket) && Files.exists(pidfile) && Files.size(pidfile) > 0)) {
            if (!process.isAlive()) {
                String out = Files.exists(log) ? Files.readString(log) : "";
                cleanFiles();
                throw new IllegalStateException("QEMU exited with " + process.exitValue() + ": " + out);
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException("QEMU did not create " + socket + " within 20 s");
            }
            Thread.sleep(20);
        }
        // vCPU threads name themselves after they start: wait for "CPU n/..." so /proc discovery never races the boot
        if (debugThreads) {
            while (!vcpuThreadsNamed()) {
                if (System.nanoTime() > deadline) {
                    close();
                    throw new IllegalStateException("QEMU's vCPU threads were not named within 20 s");
                }
                Thread.sleep(20);
            }
        }
    }

    /** The fixture's -smp. */
    static final int VCPUS = 2;

    private boolean vcpuThreadsNamed() throws IOException {
        Path task = Path.of("/proc", String.valueOf(process.pid()), "task");
        if (!Files.isDirectory(task)) return false;
        try (var s = Files.list(task)) {
            return s.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).startsWith("CPU ");
                } catch (IOException e) {
                    return false;
                }
            }).count() >= VCPUS;
        }
    }

    public static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, BINARY))) return true;
        }
        return false;
    }

    public static QemuFixture start(String name, boolean debugThreads) throws IOException, InterruptedException {
        return new QemuFixture(name, debugThreads);
    }

    public int pid() { return (int) process.pid(); }

    /** Quits through QMP (if nobody else holds the QMP connection), then SIGKILL; waits for the exit. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                try (QmpClient c = QmpClient.connect(socket, 2_000)) {
                    c.quit();
                } catch (RuntimeException e) {
                    // fall through to kill -9
                }
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            cleanFiles();
        }
    }

    private void cleanFiles() {
        for (Path p : List.of(socket, pidfile, log)) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort: /tmp files with unique names
            }
        }
    }
}
