package io.vmqos.linux.net;

import java.util.List;

/**
 * Runs one external command ({@code ip}, {@code tc}, {@code ethtool}, {@code cat}, {@code tee}) to completion and
 * returns what it printed. The real implementation is {@link ProcessCommandRunner}; tests substitute a runner that
 * fails chosen commands to exercise rollback.
 *
 * <p>Implementations must be safe to call from any thread; each call is independent. A non-zero exit is a
 * {@link CommandResult}, not an exception: the caller ({@link IpRoute}) decides what it means.
 */
@FunctionalInterface
public interface CommandRunner {
    /**
     * @param argv the program and its arguments, no shell involved
     * @param stdin text to feed on standard input, or {@code null} for none
     * @throws NetCommandException only when the program cannot be started or times out
     */
    CommandResult run(List<String> argv, String stdin);

    /** Outcome of one command: its exit code and both output streams, fully read. */
    record CommandResult(List<String> argv, int exitCode, String stdout, String stderr) {
        public CommandResult {
            argv = List.copyOf(argv);
        }

        public boolean ok() { return exitCode == 0; }
    }
}
