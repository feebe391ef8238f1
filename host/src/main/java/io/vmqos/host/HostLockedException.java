package io.vmqos.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * The host lock ({@link HostLock}) stayed held by someone else for the whole wait: nothing was changed. The
 * message names the holder (its pid and what it is doing, as it wrote them into the lock file) and the fix.
 */
public final class HostLockedException extends RuntimeException {
    private final Path file;
    private final OptionalLong holderPid;
    private final String holder;

    /**
     * @param holderPid the holding process, when known
     * @param holder what the holder said it is doing (e.g. {@code vmqos apply -f host.yaml}), or a description of why
     *     it is unknown
     * @param inThisProcess true when the holder is another thread of this very process
     */
    public HostLockedException(Path file, OptionalLong holderPid, String holder, boolean inThisProcess, Duration waited) {
        super("another vmqos is changing this host: the host lock " + file + " is held by "
                + (inThisProcess ? "another thread of this process (pid " + ProcessHandle.current().pid() + "): " + holder
                   : holderPid.isPresent() ? "pid " + holderPid.getAsLong() + " (" + holder + ")" : holder)
                + "; waited " + io.vmqos.core.Durations.format(waited.toNanos()) + ", nothing was changed. Fix: wait until it "
                + "finishes and try again (or give a longer --lock-wait)"
                + (inThisProcess ? "" : ", or stop that process if it hangs"
                   + (holderPid.isPresent() ? " (kill " + holderPid.getAsLong() + ")" : "")));
        this.file = file;
        this.holderPid = holderPid;
        this.holder = holder;
    }

    public Path file() { return file; }

    /** The holding process, when known. */
    public OptionalLong holderPid() { return holderPid; }

    /** What the holder is doing, as it wrote it into the lock file. */
    public String holder() { return holder; }
}
