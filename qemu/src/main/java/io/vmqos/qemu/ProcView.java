package io.vmqos.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The few /proc reads discovery needs, rooted at a directory so tests can use a fake tree. Missing or unreadable
 * entries read as empty/absent: threads come and go while we look, so callers treat absence as "gone".
 */
final class ProcView {
    final Path root;

    ProcView(Path root) { this.root = root; }

    static ProcView system() { return new ProcView(Path.of("/proc")); }

    boolean exists(int pid) { return Files.isDirectory(root.resolve(Integer.toString(pid))); }

    boolean hasTask(int pid, int tid) {
        return Files.isDirectory(root.resolve(pid + "/task/" + tid));
    }

    /** Thread ids of the process, ascending (empty if it is gone). */
    int[] tasks(int pid) {
        return numericEntries(root.resolve(pid + "/task"));
    }

    /** All process ids, ascending. */
    int[] pids() { return numericEntries(root); }

    /** The thread's comm (at most 15 characters), or empty if gone. */
    String taskComm(int pid, int tid) {
        return readFirstLine(root.resolve(pid + "/task/" + tid + "/comm")).orElse("");
    }

    /** The process's comm, or empty if gone. */
    String comm(int pid) {
        return readFirstLine(root.resolve(pid + "/comm")).orElse("");
    }

    /** argv of the process (empty for kernel threads or if gone). */
    List<String> cmdline(int pid) {
        try {
            byte[] b = Files.readAllBytes(root.resolve(pid + "/cmdline"));
            List<String> args = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    args.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (start < b.length) args.add(new String(b, start, b.length - start, StandardCharsets.UTF_8));
            return args;
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Target of /proc/PID/exe, or empty if unreadable (no privilege, kernel thread, gone). */
    Optional<String> exe(int pid) {
        try {
            return Optional.of(Files.readSymbolicLink(root.resolve(pid + "/exe")).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** The Tgid (process id) of a thread, from /proc/TID/status. */
    OptionalInt tgid(int tid) {
        try {
            for (String line : Files.readAllLines(root.resolve(tid + "/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Tgid:")) return OptionalInt.of(Integer.parseInt(line.substring(5).trim()));
            }
        } catch (IOException | NumberFormatException e) {
            // gone or malformed: absent
        }
        return OptionalInt.empty();
    }

    /** Lines of /proc/net/unix (empty if unreadable). */
    List<String> netUnix() {
        try {
            return Files.readAllLines(root.resolve("net/unix"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * True when the running kernel ({@code sys/kernel/osrelease} under this procfs root) is at least
     * {@code major.minor}; false when it cannot be read (a fake tree).
     */
    boolean kernelAtLeast(int major, int minor) {
        try {
            String[] v = Files.readString(root.resolve("sys/kernel/osrelease")).strip().split("[.-]");
            int ma = Integer.parseInt(v[0]), mi = v.length > 1 ? Integer.parseInt(v[1]) : 0;
            return ma > major || (ma == major && mi >= minor);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Lines of {@code /proc/PID/net/unix}: the socket table of the process's network namespace; else {@link #netUnix()}. */
    List<String> netUnix(int pid) {
        try {
            return Files.readAllLines(root.resolve(pid + "/net/unix"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return netUnix();
        }
    }

    /** Whether any fd of the process is {@code socket:[inode]} for one of the inodes. */
    boolean holdsSocket(int pid, long[] inodes) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(root.resolve(pid + "/fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue;
                }
                if (!target.startsWith("socket:[")) continue;
                long inode;
                try {
                    inode = Long.parseLong(target, 8, target.length() - 1, 10);
                } catch (NumberFormatException | IndexOutOfBoundsException e) {
                    continue;
                }
                for (long i : inodes) if (i == inode) return true;
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static Optional<String> readFirstLine(Path p) {
        try {
            String s = Files.readString(p, StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            return Optional.of(nl >= 0 ? s.substring(0, nl) : s);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int[] numericEntries(Path dir) {
        int[] out = new int[64];
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String s = p.getFileName().toString();
                if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(Character::isDigit)) continue;
                if (n == out.length) out = Arrays.copyOf(out, n * 2);
                out[n++] = Integer.parseInt(s);
            }
        } catch (IOException e) {
            return new int[0];
        }
        int[] r = Arrays.copyOf(out, n);
        Arrays.sort(r);
        return r;
    }
}
