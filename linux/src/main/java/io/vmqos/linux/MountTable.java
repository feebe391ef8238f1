package io.vmqos.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * The mounts listed in {@code /proc/self/mountinfo}, parsed. Pure and thread-safe.
 */
public final class MountTable {

    /**
     * One mount.
     *
     * @param mountPoint absolute path, octal escapes ({@code \040}) decoded
     * @param fsType e.g. {@code debugfs}, {@code cgroup}, {@code cgroup2}
     * @param superOptions the per-superblock options, e.g. {@code rw,cpuset} for a cgroup v1 cpuset mount
     */
    public record Mount(String mountPoint, String fsType, String superOptions) {
        /** True when {@code option} is one of the comma-separated super options. */
        public boolean hasOption(String option) {
            for (String o : superOptions.split(",")) if (o.equals(option)) return true;
            return false;
        }
    }

    private MountTable() {}

    /** Parses mountinfo text; malformed lines are skipped. */
    public static List<Mount> parse(String mountinfo) {
        List<Mount> out = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            int sep = line.indexOf(" - ");
            if (sep < 0) continue;
            String[] head = line.substring(0, sep).split(" ");
            String[] tail = line.substring(sep + 3).split(" ");
            if (head.length < 5 || tail.length < 1) continue;
            out.add(new Mount(unescape(head[4]), tail[0], tail.length >= 3 ? tail[2] : ""));
        }
        return out;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
