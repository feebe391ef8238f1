package io.vmqos.linux;

/**
 * A {@link CpuPartitions} operation that was refused or failed. The message names the cause and the fix;
 * {@link #field()} names what was wrong: an argument ({@code cpus}, {@code tid}, {@code path}, {@code change}),
 * {@code cpuset} for the host's cgroup setup, or the control file the kernel refused.
 *
 * <p>A refusal of bad input changes nothing. A failure while applying undoes what was applied before it is
 * thrown; the message says so, or lists what could not be undone.
 */
public final class PartitionException extends RuntimeException {
    private final String field;

    public PartitionException(String field, String message) {
        super(message);
        this.field = field;
    }

    public PartitionException(String field, String message, Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    /** What was wrong: an argument name, {@code cpuset}, or a control file path. */
    public String field() { return field; }
}
