package io.vmqos.lab.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * CPU-bound competitors for the VM under test: {@code workers} separate processes spinning at the default
 * priority (SCHED_OTHER, nice 0), so they compete with QEMU's threads exactly as another tenant would.
 * Uses {@code stress-ng --cpu} when installed, else {@code sh -c 'while :; do :; done'} loops; optionally
 * pinned with {@code taskset}. Every worker also ends on its own after the spec's maximum lifetime.
 *
 * <p>{@link #close()} stops them all (SIGTERM, then SIGKILL after 2 s), checks that none is left and is
 * idempotent; a shutdown hook does the same if the JVM exits first. Not thread-safe: start and close from one
 * thread.
 */
public final class NoisyNeighbour implements AutoCloseable {
    /** The worker implementation. */
    public enum Kind {
        /** One {@code stress-ng --cpu N} whose N forked stressors are the workers. */
        STRESS_NG,
        /** N {@code sh} busy loops (each under {@code timeout} for the lifetime bound). */
        SHELL_LOOP
    }

    private static final long STOP_GRACE_MILLIS = 2_000;

    private final Kind kind;
    private final List<Process> roots;
    private final List<Long> workerPids;
    private final Thread shutdownHook;
    private boolean closed;

    private NoisyNeighbour(Kind kind, List<Process> roots, List<Long> workerPids) {
        this.kind = kind;
        this.roots = roots;
        this.workerPids = List.copyOf(workerPids);
        this.shutdownHook = new Thread(this::stopAll, "vqload-noisy-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** {@code workers} unpinned workers of the best available kind. */
    public static NoisyNeighbour start(int workers) { return start(NoisyNeighbourSpec.of(workers)); }

    /**
     * Starts the workers and returns once all {@code spec.workers()} are running at SCHED_OTHER nice 0.
     *
     * @throws IllegalStateException when the workers do not come up within 5 s (everything started is stopped)
     * @throws UncheckedIOException when a command cannot be started
     */
    public static NoisyNeighbour start(NoisyNeighbourSpec spec) {
        Kind kind = spec.kind() != null ? spec.kind() : stressNgAvailable() ? Kind.STRESS_NG : Kind.SHELL_LOOP;
        List<Process> roots = new ArrayList<>();
        try {
            for (List<String> command : commands(spec, kind)) {
                roots.add(new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            List<Long> workers = awaitWorkers(roots, spec.workers());
            for (long pid : workers) ensureDefaultPriority(pid);
            return new NoisyNeighbour(kind, roots, workers);
        } catch (IOException | RuntimeException e) {
            stop(roots);
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot start noisy neighbour (" + kind + "): " + io.getMessage(), io);
            }
            throw (RuntimeException) e;
        }
    }

    /** True when {@code stress-ng} is on the PATH. */
    public static boolean stressNgAvailable() { return onPath("stress-ng"); }

    public Kind kind() { return kind; }

    /** PIDs of the spinning processes (stress-ng's stressors or the shell loops), one per worker. */
    public List<Long> workerPids() { return workerPids; }

    /**
     * Stops every worker and helper process; idempotent.
     *
     * @throws IllegalStateException naming the PIDs if any survive SIGKILL
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs stopAll itself
        }
        List<Long> left = stopAll();
        if (!left.isEmpty()) throw new IllegalStateException("noisy neighbour processes still running after SIGKILL: " + left);
    }

    private List<Long> stopAll() {
        Set<Long> pids = new LinkedHashSet<>(workerPids);
        for (Process p : roots) {
            pids.add(p.pid());
            p.descendants().forEach(d -> pids.add(d.pid()));
        }
        stop(roots);
        List<Long> left = pids.stream().filter(ProcStat::running).toList();
        for (long pid : left) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        long deadline = System.currentTimeMillis() + STOP_GRACE_MILLIS;
        while (System.currentTimeMillis() < deadline && pids.stream().anyMatch(ProcStat::running)) sleep(20);
        return pids.stream().filter(ProcStat::running).toList();
    }

    /** SIGTERM to each root (stress-ng and timeout pass it on to their children), SIGKILL after the grace. */
    private static void stop(List<Process> roots) {
        List<ProcessHandle> tree = new ArrayList<>();
        for (Process p : roots) {
            tree.add(p.toHandle());
            p.descendants().forEach(tree::add);
        }
        roots.forEach(Process::destroy);
        for (Process p : roots) {
            try {
                if (!p.waitFor(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS)) p.destroyForcibly().waitFor(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        for (ProcessHandle h : tree) if (ProcStat.running(h.pid())) h.destroyForcibly();
    }

    private static List<List<String>> commands(NoisyNeighbourSpec spec, Kind kind) {
        List<String> pin = spec.cpus().isEmpty() ? List.of()
                : List.of("taskset", "-c", spec.cpus().stream().map(String::valueOf).collect(Collectors.joining(",")));
        long seconds = Math.max(1, spec.maxLifetimeNanos() / 1_000_000_000L);
        List<List<String>> commands = new ArrayList<>();
        if (kind == Kind.STRESS_NG) {
            List<String> c = new ArrayList<>(pin);
            c.addAll(List.of("stress-ng", "--cpu", Integer.toString(spec.workers()), "--cpu-method", spec.cpuMethod(),
                    "--timeout", seconds + "s", "--quiet"));
            commands.add(c);
        } else {
            for (int i = 0; i < spec.workers(); i++) {
                List<String> c = new ArrayList<>(pin);
                c.addAll(List.of("timeout", "-s", "KILL", Long.toString(seconds), "sh", "-c", "while :; do :; done"));
                commands.add(c);
            }
        }
        return commands;
    }

    /** Waits until the trees under {@code roots} hold {@code expected} leaf processes; returns their PIDs. */
    private static List<Long> awaitWorkers(List<Process> roots, int expected) {
        long deadline = System.currentTimeMillis() + 5_000;
        List<Long> leaves = List.of();
        while (System.currentTimeMillis() < deadline) {
            for (Process p : roots) {
                if (!p.isAlive()) throw new IllegalStateException("noisy neighbour command exited early with status " + p.exitValue());
            }
            leaves = leaves(roots);
            if (leaves.size() >= expected) return leaves.subList(0, expected);
            sleep(20);
        }
        throw new IllegalStateException("noisy neighbour: only " + leaves.size() + " of " + expected + " workers started within 5s");
    }

    /** Descendants without children: the spinning processes (never the stress-ng parent or timeout itself). */
    private static List<Long> leaves(List<Process> roots) {
        List<Long> leaves = new ArrayList<>();
        for (Process p : roots) {
            p.descendants().filter(h -> h.children().findAny().isEmpty()).forEach(h -> leaves.add(h.pid()));
        }
        return leaves;
    }

    /** Workers inherit our policy and nice; put them at SCHED_OTHER nice 0 if we are not there ourselves. */
    private static void ensureDefaultPriority(long pid) throws IOException {
        ProcStat stat = ProcStat.read(pid).orElseThrow(() -> new IllegalStateException("noisy worker " + pid + " vanished"));
        if (stat.policy() != 0) run("chrt", "--other", "-p", "0", Long.toString(pid));
        if (stat.nice() != 0) run("renice", "-n", "0", "-p", Long.toString(pid));
    }

    private static void run(String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IOException(String.join(" ", command) + " failed: " + output.strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + command[0], e);
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        }
        return false;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
