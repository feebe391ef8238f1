package io.vmqos.cli;

import io.vmqos.core.Durations;
import io.vmqos.host.HostLock;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.time.Duration;

/**
 * {@code --lock-wait}: the option of every command that changes the host. Such a command holds the {@link HostLock}
 * from before it reads the ledger for admission until its changes are applied and verified, so that two vmqos
 * processes never admit against the same free room.
 */
public final class LockOptions {
    @Option(names = "--lock-wait", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long to wait while another vmqos changes this host (default: ${DEFAULT-VALUE}); then fail, naming it.")
    String lockWait;

    /**
     * Takes the host lock for the command {@code spec} runs, described by its command line; close it when done.
     *
     * @throws io.vmqos.host.HostLockedException still held by another vmqos after the wait (exit 1)
     */
    HostLock acquire(CommandSpec spec) {
        return HostLock.acquire(what(spec), wait(spec));
    }

    /** The {@code --lock-wait} duration. */
    Duration wait(CommandSpec spec) { return Duration.ofNanos(Durations.parseNanos("--lock-wait", lockWait)); }

    /** The command line, as the lock file names its holder. */
    static String what(CommandSpec spec) { return "vmqos " + String.join(" ", spec.root().commandLine().getParseResult().originalArgs()); }
}
