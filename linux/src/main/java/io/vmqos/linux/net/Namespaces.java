package io.vmqos.linux.net;

/** Small helpers for the optional network-namespace argument ({@code null} = the caller's namespace). */
final class Namespaces {
    private Namespaces() {}

    /** " in netns NS" or "" for the current namespace, for messages. */
    static String describe(String ns) { return ns == null ? "" : " in netns " + ns; }

    /** "ip -n NS " or "" as an operator would type it, for fixes. */
    static String ipPrefix(String ns) { return ns == null ? "" : "-n " + ns + " "; }

    /** "ip netns exec NS " or "" for fixes that run other tools. */
    static String execPrefix(String ns) { return ns == null ? "" : "ip netns exec " + ns + " "; }
}
