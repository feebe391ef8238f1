package io.vmqos.lab.libvirt;

import io.vmqos.lab.Commands;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@code virsh -c qemu:///system ...} (libvirt's system daemon; the lab needs root). Stateless; any thread.
 */
public final class Virsh {
    /** The libvirt connection the lab uses. */
    public static final String URI = "qemu:///system";
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private Virsh() {}

    /** Runs {@code virsh -c qemu:///system ARGS}; never throws on a non-zero exit. */
    public static Commands.Result run(String... args) {
        return run(DEFAULT_TIMEOUT, args);
    }

    public static Commands.Result run(Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>(args.length + 3);
        cmd.add("virsh");
        cmd.add("-c");
        cmd.add(URI);
        cmd.addAll(List.of(args));
        return Commands.run(cmd, timeout);
    }

    /** Names of all domains libvirt knows (running, paused, defined); empty if the daemon does not answer. */
    public static List<String> allDomainNames() {
        Commands.Result r = run(Duration.ofSeconds(30), "list", "--all", "--name");
        if (!r.ok()) return List.of();
        return r.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
