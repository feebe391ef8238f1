package io.vmqos.lab.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link LoadMain} in a child JVM, optionally behind a command prefix such as
 * {@code ip netns exec vqlabX}, and parses the {@link LoadResult} it prints. The child uses this JVM's
 * {@code java} binary and class path. Blocks the calling thread for the run; stateless.
 */
public final class ChildLoadRun {
    /** JVM start-up and JIT allowance on top of duration + reply timeout. */
    private static final long SLACK_NANOS = 60_000_000_000L;

    private ChildLoadRun() {}

    /** The full command line: {@code prefix + java ... LoadMain spec.toArgs()}. */
    public static List<String> command(List<String> prefix, LoadSpec spec) {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), LoadMain.class.getName()));
        command.addAll(spec.toArgs());
        return command;
    }

    /**
     * @throws IllegalStateException with the child's stderr when it exits non-zero or overruns
     * @throws UncheckedIOException when the child cannot be started
     */
    private static final java.util.concurrent.Executor DRAINERS = r -> Thread.ofVirtual().name("load-child-drain").start(r);

    public static LoadResult run(List<String> prefix, LoadSpec spec) {
        List<String> command = command(prefix, spec);
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start load child " + command.getFirst() + ": " + e.getMessage(), e);
        }
        // drained on threads of their own, not the common pool (one thread on 2 CPUs, which a caller's task may hold:
        // the child would block on a full pipe until it is free)
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()), DRAINERS);
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()), DRAINERS);
        try {
            long limit = spec.durationNanos() + spec.replyTimeoutNanos() + SLACK_NANOS;
            if (!p.waitFor(limit, TimeUnit.NANOSECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new IllegalStateException("load child overran " + limit / 1_000_000_000L + " s: " + String.join(" ", command));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("load child exited " + p.exitValue() + ": " + err.join().strip());
            }
            return LoadJson.read(out.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the load child", e);
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
