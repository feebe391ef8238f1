package io.vmqos.lab.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The few fields of {@code /proc/<pid>/stat} the lab needs. A snapshot; absent when the process is gone.
 *
 * @param state one-letter state (R, S, D, Z, ...)
 * @param cpuTicks utime + stime in clock ticks (USER_HZ, 100 on Linux)
 * @param nice nice value
 * @param policy scheduling policy number (0 = SCHED_OTHER)
 */
public record ProcStat(long pid, char state, long cpuTicks, int nice, int policy) {
    /** Clock ticks per second of {@code cpuTicks}; USER_HZ is 100 on every Linux ABI vmqos runs on. */
    public static final int TICKS_PER_SECOND = 100;

    public static Optional<ProcStat> read(long pid) {
        String text;
        try {
            text = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            return Optional.empty();
        }
        // comm (field 2) may contain spaces and parentheses: split after the last ')'
        String[] f = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state); field n is f[n - 3]
        return Optional.of(new ProcStat(pid, f[0].charAt(0), Long.parseLong(f[11]) + Long.parseLong(f[12]),
                Integer.parseInt(f[16]), Integer.parseInt(f[38])));
    }

    /** True while the process exists and is not a zombie. */
    public static boolean running(long pid) {
        return read(pid).map(s -> s.state() != 'Z' && s.state() != 'X').orElse(false);
    }
}
