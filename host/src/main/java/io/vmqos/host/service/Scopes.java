package io.vmqos.host.service;

import java.nio.file.Path;

/** The names of the scopes (one desired state each) that vmqos's commands reconcile. */
public final class Scopes {
    /** Changes found on the host when the record was lost or damaged: taken over by a scope that wants them. */
    public static final String RECOVERED = "recovered";
    /** {@code vmqos reserve --tid/--pid}: threads reserved one by one. */
    public static final String THREADS = "threads";

    private Scopes() {}

    /** {@code apply -f}, {@code release -f} and the agent: the host configuration file, by its absolute path. */
    public static String config(Path file) { return "config:" + file.toAbsolutePath().normalize(); }

    /** {@code vm reserve}: one VM, by its name (or {@code pid-N} when QEMU has none). */
    public static String vm(String key) { return "vm:" + key; }
}
