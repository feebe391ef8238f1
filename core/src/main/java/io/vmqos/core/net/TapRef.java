package io.vmqos.core.net;

/**
 * A tap device a process holds open: its name ({@code iff:} in {@code /proc/PID/fdinfo/FD}) and the named network
 * namespace it lives in ({@code /run/netns/NAME}), or {@code null} when the process is in the caller's namespace
 * (on a host: the root namespace). The tap's namespace is the one QEMU ran in when it opened {@code /dev/net/tun}.
 */
public record TapRef(String name, String ns) {
    public TapRef {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("tap name is empty");
    }

    /** "tap0" or "tap0 in netns NS", for messages. */
    public String describe() { return ns == null ? name : name + " in netns " + ns; }
}
