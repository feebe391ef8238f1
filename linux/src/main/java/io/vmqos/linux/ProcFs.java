package io.vmqos.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Read-only views of {@code /proc} that vmqos needs: a process's threads, a thread's name, owner process and
 * CPU time. Threads come and go at any moment, so every read of a vanished thread yields empty/absent rather
 * than an exception. Thread-safe; no caching.
 */
public final class ProcFs {
    private final Path root;

    public ProcFs() { this(Path.of("/proc")); }

    /** A procfs mounted at {@code root} (tests may point it at a copy). */
    public ProcFs(Path root) { this.root = root; }

    /** True while the process or thread exists. */
    public boolean exists(int id) { return Files.isDirectory(root.resolve(String.valueOf(id))); }

    /** The thread ids of process {@code pid}, ascending; empty if the process is gone. */
    public List<Integer> threadsOf(int pid) {
        List<Integer> tids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve(pid + "/task"))) {
            for (Path p : ds) {
                try {
                    tids.add(Integer.parseInt(p.getFileName().toString()));
                } catch (NumberFormatException ignored) {
                    // not a task directory
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + root.resolve(pid + "/task") + ": " + e.getMessage(), e);
        }
        tids.sort(null);
        return tids;
    }

    /** All process ids currently in /proc, ascending. */
    public List<Integer> processes() {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && Character.isDigit(n.charAt(0))) {
                    try { pids.add(Integer.parseInt(n)); } catch (NumberFormatException ignored) { /* skip */ }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + root + ": " + e.getMessage(), e);
        }
        pids.sort(null);
        return pids;
    }

    /** The thread's name ({@code comm}, at most 15 characters), if it exists. */
    public Optional<String> comm(int tid) {
        return read(root.resolve(tid + "/comm")).map(String::strip);
    }

    /** The process (thread group) a thread belongs to, from {@code Tgid:} of its status. */
    public Optional<Integer> tgid(int tid) {
        return statusField(tid, "Tgid:").map(Integer::parseInt);
    }

    /** The CPUs the thread may run on, as the kernel's list text (e.g. {@code 0-1}). */
    public Optional<String> cpusAllowed(int tid) { return statusField(tid, "Cpus_allowed_list:"); }

    /**
     * The cpuset cgroup the thread is in, relative to the cpuset hierarchy's root ({@code /proc/TID/cpuset}, e.g.
     * {@code /} or {@code /vmqos-cpu1}); empty if the thread is gone.
     */
    public Optional<String> cpuset(int tid) { return read(root.resolve(tid + "/cpuset")).map(String::strip); }

    /** The thread's cgroup v2 path (the {@code 0::} line of {@code /proc/TID/cgroup}), if it exists and v2 is mounted. */
    public Optional<String> cgroupV2(int tid) {
        return read(root.resolve(tid + "/cgroup")).flatMap(s -> s.lines()
                .filter(l -> l.startsWith("0::")).findFirst().map(l -> l.substring(3).strip()));
    }

    /** The thread's {@code /proc/TID/stat} fields vmqos uses (CPU it last ran on, policy); empty if gone. */
    public Optional<ProcStat> stat(int tid) {
        try {
            return read(root.resolve(tid + "/stat")).map(ProcStat::parse);
        } catch (IllegalArgumentException truncated) {
            return Optional.empty(); // a dying thread's stat can read short
        }
    }

    /** The thread's start time in clock ticks since boot ({@code /proc/TID/stat} field 22); empty if gone. */
    public Optional<Long> startTime(int tid) { return stat(tid).map(ProcStat::startTime); }

    /** The process's command line, arguments joined by spaces. */
    public Optional<String> cmdline(int pid) {
        try {
            byte[] b = Files.readAllBytes(root.resolve(pid + "/cmdline"));
            for (int i = 0; i < b.length; i++) if (b[i] == 0) b[i] = ' ';
            return Optional.of(new String(b).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The executable the process runs, if readable. */
    public Optional<Path> exe(int pid) {
        try {
            return Optional.of(Files.readSymbolicLink(root.resolve(pid + "/exe")));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** Nanoseconds the thread has run on a CPU (first field of {@code /proc/TID/schedstat}); -1 if gone. */
    public long cpuTimeNs(int tid) { return schedstat(tid).map(SchedStat::runNs).orElse(-1L); }

    /**
     * A thread's {@code /proc/TID/schedstat}: nanoseconds run on a CPU, nanoseconds spent runnable but waiting for one
     * (the scheduler's queueing), and the number of times it was given a CPU; empty if gone.
     */
    public record SchedStat(long runNs, long waitNs, long slices) {}

    public Optional<SchedStat> schedstat(int tid) {
        return read(root.resolve(tid + "/schedstat")).map(s -> {
            String[] f = s.strip().split("\\s+");
            return new SchedStat(Long.parseLong(f[0]), Long.parseLong(f[1]), f.length > 2 ? Long.parseLong(f[2]) : 0);
        });
    }

    /**
     * How often the thread was switched out while it could still run ({@code nonvoluntary_ctxt_switches}): for a
     * DEADLINE thread, each time its budget ran out, or an earlier deadline (or a real-time or stop task) preempted it;
     * -1 if gone.
     */
    public long involuntarySwitches(int tid) {
        return statusField(tid, "nonvoluntary_ctxt_switches:").map(Long::parseLong).orElse(-1L);
    }

    /** Scheduling policy number from field 41 of {@code /proc/TID/stat}; empty if gone. */
    public Optional<Integer> policy(int tid) {
        return read(root.resolve(tid + "/stat")).map(s -> {
            // comm may hold spaces and parentheses: fields after it start past the last ')'
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[40 - 2]);
        });
    }

    private Optional<String> statusField(int tid, String key) {
        return read(root.resolve(tid + "/status")).flatMap(s -> s.lines()
                .filter(l -> l.startsWith(key)).findFirst().map(l -> l.substring(key.length()).strip()));
    }

    private static Optional<String> read(Path p) {
        try {
            return Optional.of(Files.readString(p));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
