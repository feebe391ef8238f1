package io.vmqos.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Who holds a file lock, from the kernel: {@code /proc/locks} lists every lock with its holder's pid and the file's
 * {@code major:minor:inode}, e.g. {@code 1: POSIX  ADVISORY  WRITE 1234 fe:00:2164552 0 EOF}. Stateless; any thread.
 */
final class KernelFileLocks {
    private KernelFileLocks() {}

    /** The pid holding a POSIX (fcntl) lock on {@code file}; empty when none is listed or it cannot be read. */
    static OptionalLong holderOf(Path file) {
        try {
            long ino = ((Number) Files.getAttribute(file, "unix:ino")).longValue();
            return holderOf(Files.readString(Path.of("/proc/locks")), ino);
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Pure: the pid of the first POSIX lock on inode {@code ino} in the text of {@code /proc/locks}. */
    static OptionalLong holderOf(String procLocks, long ino) {
        for (String line : procLocks.split("\n")) {
            String[] f = line.strip().split("\\s+");
            // "1:" "POSIX" "ADVISORY" "WRITE" pid maj:min:ino start end; "->" lines are waiters
            if (f.length < 8 || !f[1].equals("POSIX")) continue;
            String[] id = f[5].split(":");
            try {
                if (id.length == 3 && Long.parseLong(id[2]) == ino) return OptionalLong.of(Long.parseLong(f[4]));
            } catch (NumberFormatException ignored) {
                // a line of another shape
            }
        }
        return OptionalLong.empty();
    }

    /** The command line of process {@code pid} ({@code /proc/PID/cmdline}, NULs as spaces), or a note why not. */
    static String commandLine(long pid) {
        try {
            String s = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').strip();
            return s.isEmpty() ? "command line unknown" : s;
        } catch (IOException e) {
            return "exited meanwhile";
        }
    }
}
