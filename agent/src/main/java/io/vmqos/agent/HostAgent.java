package io.vmqos.agent;

import io.vmqos.core.CostModel;
import io.vmqos.core.config.HostConfig;
import io.vmqos.host.service.HostService;
import io.vmqos.host.service.Scopes;
import io.vmqos.host.state.HostRecord;
import io.vmqos.linux.DirectoryWatch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * {@code vmqos agent}: keeps the host what its configuration file says while VMs start, stop, restart and get new
 * threads. It reconciles (through {@link HostService}, in {@link HostService.Mode#PER_VM}: a VM that cannot be
 * admitted keeps what it had, or nothing, never half) at start, when the file changes, when a configured VM's QEMU
 * appears, exits or restarts, when it gets new threads, and as a safety net: every {@code interval} it checks cheaply
 * ({@link HostService#drift}: the record, each VM's process and threads, each reserved thread's attributes and cpuset,
 * each steered IRQ, the configuration file) and reconciles on any change; every {@link #FULL_EVERY}th interval it
 * reconciles in full whatever the check says (what the check does not read: NAPI settings, tc classes, thread names).
 *
 * <p>A configuration that becomes invalid while the agent runs is logged with its file:line error and the last good
 * one is kept. On stop the reservations stay in place (they keep protecting the VMs while the agent restarts) unless
 * {@code releaseOnExit}. After {@code kill -9} at any point the next start converges from the record and the kernel.
 *
 * <p>An {@link Agent}: every method runs on the runner's one thread.
 */
public final class HostAgent implements Agent {
    /** Where libvirt's system daemon keeps {@code NAME.pid}. */
    static final List<Path> LIBVIRT_PID_DIRS = List.of(Path.of("/run/libvirt/qemu"));

    private final Path file;
    private final String scope;
    private final HostService service;
    private final Function<Path, HostConfig> parser;
    private final Function<HostConfig, Optional<CostModel>> costs;
    private final long intervalNanos;
    private final boolean releaseOnExit;
    private final Watches watches;
    private final Log log;
    private final AgentStats stats;
    private HostConfig config;
    private Optional<CostModel> costModel = Optional.empty();
    private long nextDeadline;
    private Set<String> lastNotes = Set.of();
    /** Pinned threads that have not run on their CPU yet (so are not reserved yet): looked at every {@link #WAITING_POLL_NANOS}. */
    private List<HostService.Waiting> waiting = List.of();
    private long nextPoll = Long.MAX_VALUE;
    /** The last reconcile, when it succeeded: what the periodic check compares the host with. */
    private HostService.Outcome last;
    /** The last reconcile that succeeded, for other threads (metrics). */
    private volatile HostService.Outcome published;
    private final Wakeup wakeup;
    private final SlaWatch slaWatch;
    private int quietChecks;
    private Object configStamp;

    /** Every how many intervals the safety net reconciles in full even when its check found nothing changed. */
    static final int FULL_EVERY = 6;

    /**
     * How often the agent looks whether a {@link HostService.Waiting waiting} thread has run (one {@code /proc} read per
     * thread; the kernel has no event for a thread waking up). Only while some thread waits.
     */
    static final long WAITING_POLL_NANOS = 50_000_000L;

    /**
     * @param parser reads and checks the configuration file (throws a located error for a bad one)
     * @param costs reads the cost model the configuration names
     */
    public HostAgent(Path file, HostService service, Function<Path, HostConfig> parser, Function<HostConfig, Optional<CostModel>> costs,
                     Duration interval, boolean releaseOnExit, Wakeup wakeup, Log log, AgentStats stats) {
        this(file, service, parser, costs, interval, releaseOnExit, wakeup, log, stats, VmTraffic.none());
    }

    /** @param traffic the VMs' tap counters, which the {@link SlaWatch} compares with their SLAs at each interval */
    public HostAgent(Path file, HostService service, Function<Path, HostConfig> parser, Function<HostConfig, Optional<CostModel>> costs,
                     Duration interval, boolean releaseOnExit, Wakeup wakeup, Log log, AgentStats stats, VmTraffic traffic) {
        this.slaWatch = new SlaWatch(traffic, log);
        this.file = file.toAbsolutePath().normalize();
        this.scope = Scopes.config(this.file);
        this.service = service;
        this.parser = parser;
        this.costs = costs;
        this.intervalNanos = interval.toNanos();
        this.releaseOnExit = releaseOnExit;
        this.watches = new Watches(wakeup, log, service.observer()::pidOf);
        this.log = log;
        this.stats = stats;
        this.wakeup = wakeup;
    }

    /** Each SLA direction's offered load over the last interval (see {@link SlaWatch}). Any thread. */
    public List<io.vmqos.analysis.OfferedLoad> offeredLoads() { return slaWatch.loads(); }

    /** Each VM stage's share of periods whose budget ran out over the last interval (see {@link BudgetWatch}). Any thread. */
    public List<BudgetState> budgets() { return slaWatch.budgets(); }

    /** What the last successful reconcile wanted and recorded; empty before the first. Any thread. */
    public Optional<HostService.Outcome> lastReconcile() { return Optional.ofNullable(published); }

    @Override public String roleName() { return "vmqos-agent"; }

    /** The scope the agent's changes are recorded under ({@code config:/abs/path}). */
    public String scope() { return scope; }

    /** Reads the configuration; a bad file at start is an error the caller reports (the agent does not start). */
    public void load() {
        configStamp = DirectoryWatch.stamp(file);
        config = parser.apply(file);
        costModel = costs.apply(config);
    }


    @Override
    public void onStart() {
        if (config == null) load();
        log.info("managing " + config.vms().size() + " VM(s) of " + file + " (safety-net reconcile every " + Duration.ofNanos(intervalNanos).toSeconds()
                + " s)");
        follow(service.record()); // watching before the first reconcile: a change made meanwhile is not missed
        reconcile(Set.of("start"));
    }

    @Override
    public int doWork(Set<String> reasons) {
        if (reasons.isEmpty() && System.nanoTime() < nextDeadline) { // the waiting threads' poll, not the safety net
            List<String> ran = new ArrayList<>();
            for (HostService.Waiting w : waiting) if (service.ran(w)) ran.add("thread " + w.tid() + " ran on CPU " + w.cpu());
            if (ran.isEmpty()) {
                nextPoll = System.nanoTime() + WAITING_POLL_NANOS;
                return 0;
            }
            reasons = new LinkedHashSet<>(ran);
        } else if (reasons.isEmpty()) { // the safety net
            HostService.Outcome p = published;
            if (p != null) {
                try {
                    slaWatch.sample(config, p, System.nanoTime());
                } catch (RuntimeException e) {
                    log.warn("the SLA watch could not read the VMs' traffic: " + e.getMessage());
                }
            }
            Optional<String> drift = periodicCheck();
            if (drift.isEmpty()) {
                stats.checked();
                nextDeadline = System.nanoTime() + intervalNanos;
                return 0;
            }
            reasons = Set.of(drift.get());
        }
        if (reasons.stream().anyMatch(r -> r.startsWith("configuration "))) reload();
        reconcile(reasons);
        return 1;
    }

    /** Empty when the cheap check found nothing changed and a full reconcile is not due; else why to reconcile. */
    private Optional<String> periodicCheck() {
        if (last == null || ++quietChecks >= FULL_EVERY) return Optional.of("periodic");
        if (!DirectoryWatch.stamp(file).equals(configStamp)) return Optional.of("configuration " + file + " changed");
        try {
            return service.drift(config, last);
        } catch (RuntimeException e) {
            return Optional.of("the periodic check failed (" + e.getMessage() + ")");
        }
    }

    private void reload() {
        try {
            configStamp = DirectoryWatch.stamp(file);
            HostConfig next = parser.apply(file);
            Optional<CostModel> nextCosts = costs.apply(next);
            config = next;
            costModel = nextCosts;
            log.info("configuration " + file + " reloaded: " + config.vms().size() + " VM(s)");
        } catch (RuntimeException e) {
            log.warn("configuration " + file + " is not valid, keeping the last good one: " + e.getMessage());
        }
    }

    private void reconcile(Set<String> reasons) {
        long t0 = System.nanoTime();
        last = null;
        quietChecks = 0;
        try {
            HostService.Outcome o = service.applyConfig(scope, config, costModel, HostService.Mode.PER_VM);
            last = o;
            published = o;
            if (reasons.stream().anyMatch(r -> r.startsWith("vm ")) && o.threads().stream().anyMatch(t -> t.changed() && t.after().isDeadline())) {
                stats.protectedAfter(System.nanoTime() - wakeup.batchStartNanos());
            }
            stats.reconciled(System.nanoTime() - t0, o);
            if (o.changed()) log.info("reconciled (" + why(reasons) + "): " + String.join("; ", o.done()));
            Set<String> notes = new LinkedHashSet<>(o.notes());
            for (String n : notes) if (!lastNotes.contains(n)) log.info(n);
            lastNotes = notes;
            waiting = service.waiting(o.desired());
            follow(o.record());
        } catch (RuntimeException e) {
            stats.failed();
            log.error("reconcile (" + why(reasons) + ") failed, retried on the next event or in " + Duration.ofNanos(intervalNanos).toSeconds()
                    + " s: " + e.getMessage(), e);
            follow(service.record());
        } finally {
            nextDeadline = System.nanoTime() + intervalNanos;
            nextPoll = waiting.isEmpty() ? Long.MAX_VALUE : System.nanoTime() + WAITING_POLL_NANOS;
        }
    }

    private void follow(HostRecord r) {
        Map<Integer, String> pids = new TreeMap<>();
        for (HostRecord.VmEntry v : r.vms()) if (v.owner().scope().equals(scope)) pids.put(v.pid(), v.owner().vm());
        watches.update(file, config, pids, LIBVIRT_PID_DIRS);
    }

    private static String why(Set<String> reasons) {
        List<String> l = new ArrayList<>(reasons);
        return l.size() <= 3 ? String.join(", ", l) : String.join(", ", l.subList(0, 3)) + " and " + (l.size() - 3) + " more";
    }

    @Override public long nextDeadlineNanos() { return Math.min(nextDeadline, nextPoll); }

    @Override
    public void onClose() {
        watches.close();
        if (!releaseOnExit) {
            log.info("stopping; the reservations stay in place (vmqos release -f " + file + " releases them)");
            return;
        }
        try {
            HostService.Outcome o = service.release(scope);
            log.info("stopping; released: " + (o.done().isEmpty() ? "nothing held" : String.join("; ", o.done())));
        } catch (RuntimeException e) {
            log.error("stopping; release failed: " + e.getMessage(), e);
        }
    }
}
