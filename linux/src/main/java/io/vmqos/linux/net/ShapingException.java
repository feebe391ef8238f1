package io.vmqos.linux.net;

/**
 * Applying or removing link shaping failed. {@link #rolledBack()} tells whether the device was put back exactly as
 * it was found (verified by re-reading {@code tc -j qdisc show}); when false the message lists what is left and how
 * to clear it by hand.
 */
public final class ShapingException extends NetException {
    private final String device;
    private final boolean rolledBack;

    public ShapingException(String device, String message, String fix, boolean rolledBack, Throwable cause) {
        super(message, fix, cause);
        this.device = device;
        this.rolledBack = rolledBack;
    }

    public String device() { return device; }
    public boolean rolledBack() { return rolledBack; }
}
