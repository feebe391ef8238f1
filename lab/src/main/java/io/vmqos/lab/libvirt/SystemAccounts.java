package io.vmqos.lab.libvirt;

import io.vmqos.lab.Commands;

import java.time.Duration;
import java.util.List;

/**
 * Looks up and creates system users and groups with the shadow-utils tools (getent, useradd, groupadd, usermod).
 * Creation is idempotent: existing accounts are left as they are. Needs root to create; any thread.
 */
final class SystemAccounts {
    private static final Duration T = Duration.ofSeconds(30);

    private SystemAccounts() {}

    static boolean userExists(String user) {
        return Commands.run(List.of("getent", "passwd", user), T).ok();
    }

    static boolean groupExists(String group) {
        return Commands.run(List.of("getent", "group", group), T).ok();
    }

    /** Whether {@code user} is a member of {@code group} (primary or supplementary). */
    static boolean inGroup(String user, String group) {
        Commands.Result r = Commands.run(List.of("id", "-nG", user), T);
        if (!r.ok()) return false;
        for (String g : r.stdout().strip().split("\\s+")) if (g.equals(group)) return true;
        return false;
    }

    /** Creates a system user with a same-named group, no home directory and no login shell. */
    static void createSystemUser(String user, String home) {
        Commands.check(List.of("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", home,
                "--shell", "/usr/sbin/nologin", "--comment", "Libvirt Qemu (created by vmqos lab)", user), T);
    }

    static void createSystemGroup(String group) {
        Commands.check(List.of("groupadd", "--system", group), T);
    }

    static void addToGroup(String user, String group) {
        Commands.check(List.of("usermod", "--append", "--groups", group, user), T);
    }
}
