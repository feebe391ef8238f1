package io.vmqos.agent;

import io.vmqos.core.CostModel;
import io.vmqos.core.config.HostConfig;
import io.vmqos.host.config.DomainXmlParser;
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
    /** When the VM event whose threads are not reserved yet began (its batch's first signal), or -1. */
    private long protectSinceNanos = -1;
    /** How soon to look again at a VM that could not be read (its QEMU still starting). */
    static final long UNREADABLE_RETRY_NANOS = 100_000_000L;
    /** The last reconcile, when it succeeded: what the periodic check compares the host with. */
    private HostService.Outcome last;
    /** The last reconcile that succeeded, for other threads (metrics). */
    private volatile HostService.Outcome published;
    private final Wakeup wakeup;
    private final SlaWatch slaWatch;
    private int quietChecks;
    private Object configStamp;
    /** Libvirt domains with vmqos metadata (none until {@link #watchingLibvirt}). */
    private LibvirtDomains domains = new LibvirtDomains(List.of(), (xml, shown, costs) -> Optional.empty());
    private DomainXmlParser domainParser;
    /** The configuration file's VMs and the domains', as the last reconcile planned them. */
    private HostConfig effective;
    private Set<String> lastProblems = Set.of();
    /** Holds each reclaiming thread to its ceiling ({@code vms[].reclaim}). */
    private final ReclaimGuard reclaimGuard;
    /** Publishes the host into Placement on its own thread (does nothing while host.yaml has no placement key). */
    private PlacementWorker placement;
    private long nextGuard = Long.MAX_VALUE;
    /** Resizes the adaptive VMs' threads from their use ({@code vms[].adaptive}). */
    private final AdaptiveLoop adaptive;
    private long nextAdaptive = Long.MAX_VALUE;
    /** Refits the VMs' own cost models from their traffic ({@code vms[].costModel}). */
    private final LiveCalibrator calibrator;
    private long nextCalibration = Long.MAX_VALUE;
    /** Hook requests waiting for the duty thread. */
    private final java.util.concurrent.ConcurrentLinkedQueue<java.util.concurrent.FutureTask<LibvirtHook.Answer>> hookTasks =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Wake-up reason of a hook request. */
    static final String HOOK_REASON = "libvirt hook";
    /** Wake-up reason prefix of a change in libvirt's status directory. */
    static final String STATUS_REASON = "libvirt status ";

    /** Reconciles that failed in a row (none since the last that succeeded). */
    private int failedInARow;

    /**
     * When to retry a reconcile that failed: soon, since a VM may be unprotected meanwhile and most failures pass (the
     * kernel refusing admission while a root domain is rebuilt, a QEMU exiting under us): {@link #FIRST_RETRY_NANOS},
     * doubling with each failure in a row, at most the interval.
     */
    private long retryNanos() { return Math.min(intervalNanos, FIRST_RETRY_NANOS << Math.min(16, failedInARow - 1)); }

    static final long FIRST_RETRY_NANOS = 250_000_000L;

    /** The duty thread's nice value. */
    static final int DUTY_NICE = -10;

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
        io.vmqos.linux.ProcFs proc = new io.vmqos.linux.ProcFs(); // one reader for the duty thread's samplers
        this.calibrator = new LiveCalibrator(traffic, proc, new io.vmqos.linux.LinuxThreadScheduler(), log);
        this.reclaimGuard = new ReclaimGuard(proc, log);
        this.adaptive = new AdaptiveLoop(proc);
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

    /**
     * Also keeps the libvirt domains whose XML carries vmqos metadata: those running (their status files in
     * {@code statusDirs}) and those the hook announces ({@link #hook}). Call before the runner starts.
     */
    public HostAgent watchingLibvirt(List<Path> statusDirs, DomainXmlParser parser) {
        this.domainParser = parser;
        this.domains = new LibvirtDomains(statusDirs, parser::parse);
        return this;
    }

    /**
     * A libvirt hook call ({@code vmqos hook run}), answered on the duty thread: admission at {@code prepare begin} and
     * {@code migrate begin}, reservation at {@code started begin}, release at {@code release end}. Any thread; waits at
     * most {@code timeout}.
     */
    public LibvirtHook.Answer hook(LibvirtHook.Call call, Duration timeout) {
        java.util.concurrent.FutureTask<LibvirtHook.Answer> task = new java.util.concurrent.FutureTask<>(() -> onHook(call));
        hookTasks.add(task);
        wakeup.signal(HOOK_REASON);
        try {
            return task.get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            task.cancel(false);
            return LibvirtHook.Answer.noAnswer("the vmqos agent was busy for " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return LibvirtHook.Answer.noAnswer("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            return LibvirtHook.Answer.noAnswer(String.valueOf(e.getCause().getMessage()));
        }
    }

    private LibvirtHook.Answer onHook(LibvirtHook.Call call) {
        if (domainParser == null) return LibvirtHook.Answer.ok("this agent does not keep libvirt domains");
        long now = System.nanoTime();
        if (call.event() == LibvirtHook.Event.ADMIT) refreshDomains(); // admission counts the domains as they are now (a reconcile refreshes itself)
        Optional<DomainXmlParser.Domain> d;
        try {
            d = domainParser.parse(call.xml(), "domain " + call.name() + "'s XML", config.costModelPath().isPresent());
        } catch (RuntimeException e) {
            if (call.event() == LibvirtHook.Event.ADMIT) {
                log.warn("vm " + call.name() + ": refused at libvirt " + call.operation() + ": " + e.getMessage());
                return LibvirtHook.Answer.refused("its vmqos metadata is refused: " + e.getMessage());
            }
            d = Optional.empty();
        }
        return switch (call.event()) {
            case ADMIT -> d.isEmpty() ? LibvirtHook.Answer.ok("no vmqos metadata") : admit(d.get(), call.operation(), now);
            case STARTED -> {
                d.ifPresent(x -> domains.announce(x, now));
                reconcile(Set.of("vm " + call.name() + ": libvirt started it"));
                yield LibvirtHook.protection(call.name(), published, last != null);
            }
            case RELEASED -> {
                domains.released(call.name());
                reconcile(Set.of("vm " + call.name() + ": libvirt released it"));
                log.info("vm " + call.name() + ": libvirt released it; vmqos holds nothing for it" + (last == null ? " once the next reconcile succeeds" : ""));
                yield LibvirtHook.Answer.ok("released");
            }
        };
    }

    /** What the agent tells the policy besides the configuration: the reclaim it suspended, the adaptive budgets it asks. */
    private io.vmqos.analysis.PlanHints hints() {
        return io.vmqos.analysis.PlanHints.NONE.withReclaimSuspended(reclaimGuard.suspended()).withBudgets(adaptive.asked());
    }

    /** Plans the host with the domain added: refused when it does not fit, or when it would take another VM's place. */
    private LibvirtHook.Answer admit(DomainXmlParser.Domain d, String operation, long now) {
        Map<String, DomainXmlParser.Domain> without = new TreeMap<>(domains.domains());
        without.remove(d.vm().name());
        Map<String, DomainXmlParser.Domain> with = new TreeMap<>(without);
        with.put(d.vm().name(), d);
        HostService.Outcome before = service.plan(scope, LibvirtDomains.effective(config, without), costModel, hints().withExpected(LibvirtDomains.expected(without)));
        HostService.Outcome after = service.plan(scope, LibvirtDomains.effective(config, with), costModel, hints().withExpected(LibvirtDomains.expected(with)));
        LibvirtHook.Answer a = LibvirtHook.admission(d.vm().name(), LibvirtDomains.shadowed(config, d.vm().name()), before.desired(), after.desired());
        if (a.ok()) {
            domains.announce(d, now);
            log.info("vm " + d.vm().name() + ": admitted at libvirt " + operation + ": " + a.message());
        } else {
            log.warn("vm " + d.vm().name() + ": refused at libvirt " + operation + ": " + a.message());
        }
        return a;
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
        try {
            // the duty thread holds reclaiming threads to their ceilings and answers libvirt's hook: under CPU load it
            // must not wait behind the work it polices (nice -10: ~9 times a nice-0 thread's share, still CFS)
            new io.vmqos.linux.LinuxThreadScheduler().set(io.vmqos.linux.LinuxThreadScheduler.currentTid(), io.vmqos.core.SchedAttributes.other(DUTY_NICE));
        } catch (RuntimeException e) {
            log.warn("cannot raise the agent's duty thread to nice " + DUTY_NICE + " (" + e.getMessage() + "): under CPU load it reacts later");
        }
        log.info("managing " + config.vms().size() + " VM(s) of " + file + " (safety-net reconcile every " + Duration.ofNanos(intervalNanos).toSeconds()
                + " s)");
        placement = new PlacementWorker(cfg -> PlacementPublisher.publish(cfg.placement().orElseThrow(), cfg, service.observer(), service.record()), log, stats);
        placement.start();
        config.placement().ifPresent(p -> log.info("publishing this host into placement " + p.url()));
        follow(service.record()); // watching before the first reconcile: a change made meanwhile is not missed
        reconcile(Set.of("start"));
    }

    @Override
    public int doWork(Set<String> reasons) {
        if (reasons.isEmpty() && (reclaimGuard.active() || adaptive.active() || calibrator.active())
                && System.nanoTime() >= Math.min(Math.min(nextGuard, nextAdaptive), nextCalibration)) {
            List<String> found = new ArrayList<>();
            if (reclaimGuard.active() && System.nanoTime() >= nextGuard) {
                nextGuard = System.nanoTime() + ReclaimGuard.SAMPLE_NANOS;
                reclaimGuard.sample(System.nanoTime()).ifPresent(found::add);
            }
            if (adaptive.active() && System.nanoTime() >= nextAdaptive) {
                nextAdaptive = System.nanoTime() + AdaptiveLoop.SAMPLE_NANOS;
                adaptive.sample(System.nanoTime()).ifPresent(found::add);
            }
            HostService.Outcome p = published;
            if (calibrator.active() && p != null && System.nanoTime() >= nextCalibration) {
                nextCalibration = System.nanoTime() + LiveCalibrator.WINDOW_NANOS;
                calibrator.sample(p.record(), System.nanoTime()).ifPresent(found::add);
            }
            if (!found.isEmpty()) reasons = new LinkedHashSet<>(found);
            else if (System.nanoTime() < Math.min(nextDeadline, nextPoll)) return 0;
        }
        if (reasons.contains(HOOK_REASON)) {
            for (java.util.concurrent.FutureTask<LibvirtHook.Answer> t; (t = hookTasks.poll()) != null; ) t.run();
            reasons = new LinkedHashSet<>(reasons);
            reasons.remove(HOOK_REASON);
            if (reasons.isEmpty()) return 1;
        }
        if (!reasons.isEmpty() && reasons.stream().allMatch(r -> r.startsWith(STATUS_REASON))) {
            // libvirt rewrites a domain's status file on many of its changes: only a change of the domains kept matters
            if (!refreshDomains()) return 0;
        }
        if (reasons.isEmpty() && System.nanoTime() < nextDeadline) { // the waiting threads' poll, not the safety net
            List<String> ran = new ArrayList<>();
            for (HostService.Waiting w : waiting) if (service.ran(w)) ran.add("thread " + w.tid() + " ran on CPU " + w.cpu());
            if (ran.isEmpty()) {
                if (!waiting.isEmpty()) nextPoll = System.nanoTime() + WAITING_POLL_NANOS;
                return 0;
            }
            reasons = new LinkedHashSet<>(ran);
        } else if (reasons.isEmpty()) { // the safety net
            HostService.Outcome p = published;
            if (p != null) {
                try {
                    slaWatch.sample(effective, p, System.nanoTime());
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
        if (refreshDomains()) return Optional.of("the libvirt domains with vmqos metadata changed");
        try {
            return service.drift(effective, last);
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

    /** Reads libvirt's status files again; true when the domains kept changed. Logs a domain's refused metadata once. */
    private boolean refreshDomains() {
        boolean changed = domains.refresh(config.costModelPath().isPresent(), System.nanoTime());
        Map<String, String> problems = domains.problems();
        Set<String> now = new LinkedHashSet<>();
        for (Map.Entry<String, String> p : problems.entrySet()) {
            String line = "libvirt domain " + p.getKey() + ": its vmqos metadata is refused, so it is not protected: " + p.getValue();
            now.add(line);
            if (!lastProblems.contains(line)) log.warn(line);
        }
        lastProblems = now;
        return changed;
    }

    private void reconcile(Set<String> reasons) {
        long t0 = System.nanoTime();
        last = null;
        quietChecks = 0;
        try {
            refreshDomains();
            Map<String, DomainXmlParser.Domain> kept = domains.domains();
            effective = LibvirtDomains.effective(config, kept);
            HostService.Outcome o = service.applyConfig(scope, effective, costModel, HostService.Mode.PER_VM, hints().withExpected(LibvirtDomains.expected(kept)));
            last = o;
            published = o;
            if (reasons.stream().anyMatch(r -> r.startsWith("vm ")) && protectSinceNanos < 0) protectSinceNanos = wakeup.batchStartNanos();
            stats.reconciled(System.nanoTime() - t0, o);
            if (o.changed()) log.info("reconciled (" + why(reasons) + "): " + String.join("; ", o.done()));
            Set<String> notes = new LinkedHashSet<>(o.notes());
            for (String n : notes) if (!lastNotes.contains(n)) log.info(n);
            lastNotes = notes;
            waiting = service.waiting(o.desired());
            // a VM event's time to protect ends at the first reconcile that reserves a thread: that may be a later one than the
            // event's, when its threads had not run yet (reason "thread N ran on CPU c")
            if (protectSinceNanos >= 0 && o.threads().stream().anyMatch(t -> t.changed() && t.after().isDeadline())) {
                stats.protectedAfter(System.nanoTime() - protectSinceNanos);
                protectSinceNanos = -1;
            } else if (protectSinceNanos >= 0 && waiting.isEmpty()) {
                protectSinceNanos = -1; // nothing to reserve, nothing waiting (a VM stopped, or was already reserved)
            }
            List<ReclaimGuard.Watched> reclaiming = new ArrayList<>(ReclaimGuard.watched(effective, o.desired()));
            reclaiming.addAll(ReclaimGuard.recorded(o.record(), scope)); // vm reserve --reclaim, run through the agent
            reclaimGuard.follow(reclaiming);
            nextGuard = reclaimGuard.active() ? Math.min(nextGuard, System.nanoTime() + ReclaimGuard.SAMPLE_NANOS) : Long.MAX_VALUE;
            adaptive.follow(o.desired().adaptive());
            calibrator.follow(effective, o.record(), c -> service.observer().vms(c).running());
            nextCalibration = calibrator.active() ? Math.min(nextCalibration, System.nanoTime() + LiveCalibrator.WINDOW_NANOS) : Long.MAX_VALUE;
            nextAdaptive = adaptive.active() ? Math.min(nextAdaptive, System.nanoTime() + AdaptiveLoop.SAMPLE_NANOS) : Long.MAX_VALUE;
            follow(o.record());
            if (placement != null) placement.changed(effective);
            failedInARow = 0;
        } catch (RuntimeException e) {
            if (!adaptive.asked().isEmpty()) {
                // the floors were admitted; an extra the kernel refuses must not keep the VMs unprotected: floors now
                log.warn("reconcile (" + why(reasons) + ") with adaptive budgets above their floors failed (" + e.getMessage()
                        + "): every adaptive thread goes back to its floor");
                adaptive.reset();
                reconcile(reasons);
                return;
            }
            stats.failed();
            failedInARow++;
            log.error("reconcile (" + why(reasons) + ") failed, retried on the next event or in " + retryNanos() / 1_000_000 + " ms: " + e.getMessage(), e);
            follow(service.record());
        } finally {
            // a VM that cannot be read yet (a QEMU still naming its threads) is not in the record, so no event of its threads
            // wakes the agent: look again soon, as after a failure
            boolean unreadable = last != null && !last.unreadable().isEmpty();
            nextDeadline = System.nanoTime() + (failedInARow > 0 ? retryNanos() : unreadable ? UNREADABLE_RETRY_NANOS : intervalNanos);
            nextPoll = waiting.isEmpty() ? Long.MAX_VALUE : System.nanoTime() + WAITING_POLL_NANOS;
        }
    }

    private void follow(HostRecord r) {
        Map<Integer, String> pids = new TreeMap<>();
        for (HostRecord.VmEntry v : r.vms()) if (v.owner().scope().equals(scope)) pids.put(v.pid(), v.owner().vm());
        watches.update(file, effective == null ? config : effective, pids, LIBVIRT_PID_DIRS, domainParser != null);
    }

    private static String why(Set<String> reasons) {
        List<String> l = new ArrayList<>(reasons);
        return l.size() <= 3 ? String.join(", ", l) : String.join(", ", l.subList(0, 3)) + " and " + (l.size() - 3) + " more";
    }

    @Override public long nextDeadlineNanos() { return Math.min(Math.min(nextDeadline, nextPoll), Math.min(Math.min(nextGuard, nextAdaptive), nextCalibration)); }

    /** Wake-up reason of a command run through the agent that changed the record. */
    static final String COMMAND_REASON = "a command run through the agent changed the host";

    /**
     * A command run through the agent ({@code vm reserve}, {@code vm release}, ...) changed the record: the duty thread
     * reconciles and follows the reclaiming threads it reserved. Any thread.
     */
    public void recordChanged() { wakeup.signal(COMMAND_REASON); }

    @Override
    public void onClose() {
        watches.close();
        if (placement != null) placement.close();
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
