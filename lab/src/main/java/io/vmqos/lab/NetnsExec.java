package io.vmqos.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs commands inside a named network namespace ({@code /run/netns/NS}) with {@code ip netns exec}, which also
 * mounts a sysfs for that namespace (so /sys/class/net shows its devices). Stateless; thread-safe.
 * For Java sockets inside a namespace without a child process see {@link NetnsSockets}.
 */
public final class NetnsExec {
    private NetnsExec() {}

    /** {@code ip netns exec NS}: prepend to a command to run it inside {@code ns}. */
    public static List<String> prefix(String ns) {
        return List.of("ip", "netns", "exec", ns);
    }

    /** {@code cmd} wrapped to run inside namespace {@code ns}. */
    public static List<String> commandInNamespace(String ns, List<String> cmd) {
        List<String> out = new ArrayList<>(prefix(ns));
        out.addAll(cmd);
        return out;
    }

    /** Runs {@code cmd} inside {@code ns} to completion (see {@link Commands#run}). */
    public static Commands.Result run(String ns, List<String> cmd, Duration timeout) {
        return Commands.run(commandInNamespace(ns, cmd), timeout);
    }

    /** Runs a shell snippet inside {@code ns}; throws {@link LabSetupException} on failure. */
    public static String sh(String ns, String script) {
        return Commands.check(commandInNamespace(ns, List.of("sh", "-c", script)), Duration.ofSeconds(30));
    }
}
