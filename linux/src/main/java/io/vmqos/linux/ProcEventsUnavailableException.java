package io.vmqos.linux;

/**
 * The kernel's process events connector cannot be used here. The message names the cause (kernel built without
 * {@code CONFIG_CONNECTOR}/{@code CONFIG_PROC_EVENTS}, no {@code CAP_NET_ADMIN}, not in the initial pid and user
 * namespace) and the fix; {@link #errno()} is the refusing call's errno, or 0 when the kernel never answered.
 */
public final class ProcEventsUnavailableException extends RuntimeException {
    private final int errno;

    public ProcEventsUnavailableException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** The errno of the refused call, or 0 if the kernel did not acknowledge the subscription at all. */
    public int errno() { return errno; }
}
