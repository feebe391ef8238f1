package io.vmqos.linux.net;

/**
 * Discovery could not follow a VM's network path: {@link Reason} says which link of the chain is missing, the
 * message names the device/namespace and the fix.
 */
public final class NetPathException extends NetException {
    /** Which part of the path is missing. */
    public enum Reason {
        NO_SUCH_DEVICE, NOT_A_TAP, NO_BRIDGE,
        /** A VM process holds no tap ({@link TapDiscovery}). */
        NO_TAP,
        /** The process does not exist or its fds/namespace cannot be read. */
        NO_SUCH_PROCESS,
        /** The process's network namespace has no {@code /run/netns} name. */
        UNNAMED_NAMESPACE
    }

    private final Reason reason;
    private final String device;

    public NetPathException(Reason reason, String device, String message, String fix, Throwable cause) {
        super(message, fix, cause);
        this.reason = reason;
        this.device = device;
    }

    public Reason reason() { return reason; }
    public String device() { return device; }
}
