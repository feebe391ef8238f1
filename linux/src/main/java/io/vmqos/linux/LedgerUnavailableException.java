package io.vmqos.linux;

/**
 * The kernel's deadline bandwidth ledger cannot be read or repaired on this host. The message names the cause
 * (debugfs not mountable, kernel lockdown, no cpuset controller, ...) and the fix.
 */
public final class LedgerUnavailableException extends RuntimeException {
    public LedgerUnavailableException(String message) { super(message); }

    public LedgerUnavailableException(String message, Throwable cause) { super(message, cause); }
}
