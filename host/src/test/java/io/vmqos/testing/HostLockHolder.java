package io.vmqos.testing;

import io.vmqos.host.HostLock;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Another process holding the host lock, for tests: {@code main(FILE|default, WHAT)} takes the lock, prints
 * {@code locked} and keeps it until its stdin closes (or it is killed). {@link #start} runs it as a child JVM.
 */
public final class HostLockHolder implements AutoCloseable {
    private final Process process;

    private HostLockHolder(Process process) { this.process = process; }

    public static void main(String[] args) throws IOException {
        Path file = args[0].equals("default") ? HostLock.defaultFile() : Path.of(args[0]);
        try (HostLock lock = HostLock.acquire(file, args[1], Duration.ofSeconds(30))) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold until the parent closes our stdin
            }
        }
    }

    /** Starts a child JVM that holds the lock on {@code file} ("default" for the host's) and returns once it does. */
    public static HostLockHolder start(String file, String what) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HostLockHolder.class.getName(), file, what));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new String(p.getInputStream().readNBytes("locked\n".length()));
        if (!line.equals("locked\n")) {
            p.destroyForcibly();
            throw new IllegalStateException("the lock holder did not take the lock: '" + line + "'");
        }
        return new HostLockHolder(p);
    }

    public long pid() { return process.pid(); }

    /** Releases the lock (closes the child's stdin) and waits for the child to exit. */
    @Override
    public void close() throws IOException {
        process.getOutputStream().close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
