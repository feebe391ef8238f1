package io.vmqos.linux.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@link CommandRunner} over {@link ProcessBuilder}: no shell, stdout and stderr read concurrently so a chatty
 * command cannot block on a full pipe, killed after {@code timeoutMillis}. Thread-safe.
 */
public final class ProcessCommandRunner implements CommandRunner {
    private final long timeoutMillis;

    public ProcessCommandRunner() { this(10_000); }

    public ProcessCommandRunner(long timeoutMillis) { this.timeoutMillis = timeoutMillis; }

    @Override
    public CommandResult run(List<String> argv, String stdin) {
        Process p;
        try {
            p = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new NetCommandException(argv, -1, e.getMessage(),
                    "install the program (apt-get install -y iproute2 ethtool) and make sure it is on PATH");
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the program exited without reading its input; its exit code and stderr tell why
        }
        try {
            if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new NetCommandException(argv, -1, "timed out after " + timeoutMillis + " ms",
                        "check that the command does not hang when run by hand");
            }
            return new CommandResult(argv, p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new NetCommandException(argv, -1, "interrupted", "retry");
        }
    }

    private static String drain(InputStream s) {
        try (s) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
