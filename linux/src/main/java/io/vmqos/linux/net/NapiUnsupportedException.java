package io.vmqos.linux.net;

/**
 * The device cannot run threaded NAPI: it has no NAPI instance (loopback, bridge, a tap without IFF_NAPI, a veth
 * without GRO/XDP) so the kernel answers EOPNOTSUPP to {@code /sys/class/net/DEV/threaded}. Names the device, its
 * namespace and the fix. Nothing was left changed when this is thrown.
 */
public final class NapiUnsupportedException extends NetException {
    private final String device;
    private final String namespace;

    public NapiUnsupportedException(String device, String namespace, String why, String fix, Throwable cause) {
        super("device " + device + Namespaces.describe(namespace) + " cannot run threaded NAPI: " + why, fix, cause);
        this.device = device;
        this.namespace = namespace;
    }

    public String device() { return device; }
    /** Namespace name, or {@code null} for the current one. */
    public String namespace() { return namespace; }
}
