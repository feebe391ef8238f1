package io.vmqos.linux;

import io.vmqos.core.SchedAttributes;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds every live SCHED_DEADLINE thread by walking {@code /proc/*}{@code /task/*}: the {@link ThreadScheduler} reads
 * each thread's attributes (one system call, no file opened), and a DEADLINE thread's stat gives its name and CPU.
 *
 * <p>Threads that exit or leave DEADLINE during the walk are skipped. Not atomic: the result is the set of
 * threads seen at slightly different instants. Any thread may call it; stateless between calls.
 */
public final class DeadlineThreadWalker {
    private final Path proc;
    private final ThreadScheduler scheduler;

    /** Walks the real {@code /proc}. */
    public DeadlineThreadWalker(ThreadScheduler scheduler) { this(Path.of("/proc"), scheduler); }

    /** Walks a procfs rooted elsewhere (tests). */
    public DeadlineThreadWalker(Path proc, ThreadScheduler scheduler) {
        this.proc = proc;
        this.scheduler = scheduler;
    }

    /** All DEADLINE threads now, in /proc order. */
    public List<DeadlineThread> walk() {
        List<DeadlineThread> out = new ArrayList<>();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, DeadlineThreadWalker::isNumeric)) {
            for (Path pidDir : pids) {
                int pid = Integer.parseInt(pidDir.getFileName().toString());
                try (DirectoryStream<Path> tids = Files.newDirectoryStream(pidDir.resolve("task"), DeadlineThreadWalker::isNumeric)) {
                    for (Path tidDir : tids) visit(pid, tidDir, out);
                } catch (IOException | RuntimeException gone) {
                    // the process exited while we listed it (NoSuchFile, ESRCH surfaces as IOException/DirectoryIteratorException)
                }
            }
        } catch (IOException e) {
            throw new LedgerUnavailableException("cannot list " + proc + ": " + e.getMessage() + "; fix: mount procfs", e);
        }
        return out;
    }

    private void visit(int pid, Path tidDir, List<DeadlineThread> out) {
        // one sched_getattr per thread (no file opened for the many that are not DEADLINE), then its stat for the rest
        SchedAttributes attrs;
        try {
            attrs = scheduler.get(Integer.parseInt(tidDir.getFileName().toString()));
        } catch (SchedException gone) {
            return;
        }
        if (!attrs.isDeadline()) return;
        ProcStat stat;
        try {
            stat = ProcStat.parse(Files.readString(tidDir.resolve("stat")));
        } catch (IOException | IllegalArgumentException gone) {
            return; // exited between listing and reading, or a truncated read of a dying task
        }
        out.add(new DeadlineThread(pid, stat.tid(), stat.comm(), attrs.reservation(), attrs.bandwidth(), stat.processor()));
    }

    private static boolean isNumeric(Path p) {
        String s = p.getFileName().toString();
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }
}
