package io.vmqos.linux.net;

/**
 * A failure on the host network path. Every subtype's message names the cause and the fix; {@link #fix()} gives
 * the fix alone so a CLI can print it separately.
 */
public abstract sealed class NetException extends RuntimeException
        permits NetCommandException, NetPathException, NapiUnsupportedException, ShapingException, IrqAffinityException {
    private final String fix;

    NetException(String message, String fix, Throwable cause) {
        super(message + (fix == null || fix.isEmpty() ? "" : " (fix: " + fix + ")"), cause);
        this.fix = fix == null ? "" : fix;
    }

    public String fix() { return fix; }
}
