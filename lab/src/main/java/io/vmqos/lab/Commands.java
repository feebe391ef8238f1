package io.vmqos.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs short host commands (ip, ethtool, apt-get, gcc, ...) to completion and captures their output.
 * Stateless and thread-safe. Not for long-running children such as QEMU: see {@link VmLauncher}.
 */
public final class Commands {
    private Commands() {}

    /** Outcome of one finished command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() { return exitCode == 0; }
    }

    /** Runs {@code cmd}, waiting at most {@code timeout}; never throws on a non-zero exit code. */
    public static Result run(List<String> cmd, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(List.copyOf(cmd), 127, "", "cannot start " + cmd.getFirst() + ": " + e.getMessage());
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(List.copyOf(cmd), 124, out.getNow(""), "timed out after " + timeout + ": " + String.join(" ", cmd));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(List.copyOf(cmd), 130, "", "interrupted: " + String.join(" ", cmd));
        }
        return new Result(List.copyOf(cmd), p.exitValue(), out.join(), err.join());
    }

    /** Runs {@code cmd} and returns its stdout; a non-zero exit becomes a {@link LabSetupException} with stderr. */
    public static String check(List<String> cmd, Duration timeout) {
        Result r = run(cmd, timeout);
        if (!r.ok()) {
            throw new LabSetupException("command failed (exit " + r.exitCode() + "): " + String.join(" ", cmd)
                    + (r.stderr().isBlank() ? "" : "\n" + r.stderr().strip()),
                    "run it by hand to see the cause; vmqos lab commands need root and the packages in Packages.LAB");
        }
        return r.stdout();
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, r -> Thread.ofPlatform().daemon().name("vqlab-drain").start(r));
    }
}
