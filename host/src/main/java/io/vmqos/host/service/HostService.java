package io.vmqos.host.service;

import io.vmqos.analysis.HostPolicy;
import io.vmqos.analysis.PolicyInput;
import io.vmqos.core.CostModel;
import io.vmqos.core.Refusal;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.observed.ObservedVm;
import io.vmqos.host.ApplyReport;
import io.vmqos.host.LedgerRepair;
import io.vmqos.host.ThreadOutcome;
import io.vmqos.host.reconcile.CrashPoints;
import io.vmqos.host.reconcile.Executor;
import io.vmqos.host.reconcile.HostAdapters;
import io.vmqos.host.reconcile.Live;
import io.vmqos.host.reconcile.Reconcile;
import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.Owner;
import io.vmqos.host.state.RecordStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one pipeline every command that changes the host goes through, kubelet-style: under the host lock, read the
 * record (rebuilt from the kernel when damaged), observe the host, let the policy compute the scope's desired state,
 * diff it with the record and the live host into steps, and run them all-or-nothing; repeat (a change such as threaded
 * NAPI brings new threads to reserve) until nothing is left to do, within one transaction. {@code apply -f},
 * {@code release -f}, {@code vm reserve}, {@code vm release}, {@code reserve}, {@code release} and the agent all use
 * it. One caller at a time per instance (the host lock serialises processes and threads).
 */
public final class HostService {
    /** At most this many observe → diff → run passes per reconcile (NAPI on, then its threads reserved). */
    static final int MAX_PASSES = 4;

    private final HostAdapters adapters;
    private final HostObserver observer;
    private final RecordStore store;
    private final Executor executor;
    private final Supplier<AutoCloseable> lock;

    /**
     * @param lock takes the host lock (one writer per host) and returns what releases it
     */
    public HostService(HostAdapters adapters, HostObserver observer, RecordStore store, CrashPoints crash, Supplier<AutoCloseable> lock) {
        this.adapters = adapters;
        this.observer = observer;
        this.store = store;
        this.executor = new Executor(store, crash);
        this.lock = lock;
    }

    /** How long a one-shot command waits for pinned sleepers ({@link #waitingForSleepers}): an idle vCPU wakes well within it. */
    public static final java.time.Duration COMMAND_SLEEPER_WAIT = java.time.Duration.ofSeconds(2);

    private java.time.Duration sleeperWait = java.time.Duration.ZERO;

    /**
     * How long a reconcile waits, under the lock, for {@link Waiting waiting} threads to run on their partition's CPU so
     * that it reserves them too: a one-shot command does (an idle vCPU wakes within its guest's timer tick), the agent
     * does not (it polls them between reconciles). Zero by default.
     */
    public HostService waitingForSleepers(java.time.Duration wait) {
        this.sleeperWait = wait;
        return this;
    }

    public HostObserver observer() { return observer; }
    public RecordStore store() { return store; }

    /** How a configuration is applied when some VM is refused. */
    public enum Mode {
        /** {@code apply -f}: any refusal refuses everything; nothing changes. */
        ALL_OR_NOTHING,
        /** The agent: the admitted VMs are applied; a refused VM keeps what it had before (or nothing), never half. */
        PER_VM
    }

    /**
     * What a reconcile did.
     *
     * @param desired the (last) desired state
     * @param done the steps run, in order
     * @param notes remarks for people (VMs not running, changes made outside vmqos, a damaged record rebuilt, ...)
     * @param unreadable the VMs that could not be read now (a QEMU still starting), left as they were
     */
    public record Outcome(DesiredState desired, List<String> done, List<String> notes, HostRecord record, List<ThreadOutcome> threads,
                          List<LedgerRepair> repairs, Fingerprint fingerprint, Set<String> unreadable) {
        public Outcome {
            unreadable = Set.copyOf(unreadable);
        }

        public Outcome(DesiredState desired, List<String> done, List<String> notes, HostRecord record, List<ThreadOutcome> threads,
                       List<LedgerRepair> repairs) {
            this(desired, done, notes, record, threads, repairs, null, Set.of());
        }

        public boolean changed() { return !done.isEmpty(); }

        /** The threads' changes as one report (for the CLI's reserved/released lines). */
        public ApplyReport report() {
            return new ApplyReport(threads, repairs.isEmpty() ? LedgerRepair.NOTHING : repairs.getLast());
        }
    }

    /**
     * What {@link #applyConfig} saw and left, cheap to read again ({@link #drift}): the record file's {@link
     * RecordStore#stamp stamp} as the reconcile left it, and each configured VM's {@link HostObserver#identity identity}
     * as it was before the reconcile looked (a QEMU that changes while the reconcile runs differs from it).
     */
    public record Fingerprint(Object record, Map<String, List<Object>> vms) {}

    private Map<String, List<Object>> identities(HostConfig cfg) {
        Map<String, List<Object>> ids = new TreeMap<>();
        for (var vm : cfg.vms()) {
            try {
                ids.put(vm.name(), observer.identity(vm.locator()));
            } catch (RuntimeException unreadable) {
                ids.put(vm.name(), List.of("unreadable"));
            }
        }
        return ids;
    }

    /**
     * What changed since {@code last} (an {@link #applyConfig} of {@code cfg}), found cheaply: the record written by
     * another command; a configured VM's QEMU started, stopped, restarted or with other threads; a thread of the desired
     * state with other scheduling attributes, or out of its partition; an IRQ with another affinity. Empty when none of
     * these changed: a reconcile now would change nothing they show. What it does not read (NAPI settings, tc classes,
     * thread names, the ledger) only a reconcile sees. It changes nothing on the host and takes no lock: about 3 reads per
     * VM and one system call per reserved thread, where a reconcile reads the whole ledger and every VM's threads. One
     * thing it does note: a thread the last reconcile left in DEADLINE and found out of it was taken out by another
     * program, maybe a moment ago, so its re-entry cool-down starts now ({@link io.vmqos.linux.DeadlineCooldowns}). Only
     * here is that known: a record that differs from the kernel after a crash is vmqos's own unfinished change.
     *
     * @return the first change found, for the log
     */
    public Optional<String> drift(HostConfig cfg, Outcome last) {
        Fingerprint f = last.fingerprint();
        if (f == null) return Optional.of("no fingerprint of the last reconcile");
        if (!store.stamp().equals(f.record())) return Optional.of("the record " + store.file() + " was written by another command");
        Map<String, List<Object>> now = identities(cfg);
        for (var e : now.entrySet()) {
            if (!e.getValue().equals(f.vms().get(e.getKey()))) return Optional.of("vm " + e.getKey() + ": its QEMU or its threads changed");
        }
        if (!now.keySet().equals(f.vms().keySet())) return Optional.of("the configured VMs changed");
        if (last.desired() == null) return Optional.empty();
        for (var t : last.desired().threads()) {
            var attrs = observer.scheduling(t.tid());
            if (attrs.isEmpty()) return Optional.of("thread " + t.tid() + " (" + t.label() + ") is gone");
            if (!attrs.get().sameSchedulingAs(t.attrs())) {
                if (t.attrs().isDeadline() && !attrs.get().isDeadline()) {
                    // another program took it out of DEADLINE, maybe a moment ago: the reconcile that puts it back waits
                    // the cool-down an exit of ours would (re-entering before its 0-lag time freezes it)
                    io.vmqos.linux.DeadlineCooldowns.left(t.tid(), io.vmqos.linux.DeadlineExit.zeroLagBound(t.attrs()));
                }
                return Optional.of("thread " + t.tid() + " (" + t.label() + ") is " + attrs.get().describe() + ", not " + t.attrs().describe());
            }
            if (t.pinned()) {
                String want = last.record().thread(t.tid()).map(HostRecord.ThreadEntry::cpusetApplied).orElse(null);
                String is;
                try {
                    is = adapters.partitions().cpusetOf(t.tid());
                } catch (RuntimeException gone) {
                    is = null;
                }
                if (want == null || !want.equals(is)) return Optional.of("thread " + t.tid() + " (" + t.label() + ") is in cpuset " + is + ", not " + want);
            }
        }
        for (var irq : last.desired().irqs()) {
            String is;
            try {
                is = adapters.irqs().affinity(irq.irq());
            } catch (RuntimeException gone) {
                is = null;
            }
            if (is == null || !io.vmqos.core.CpuList.parse(is).equals(io.vmqos.core.CpuList.parse(irq.cpus()))) {
                return Optional.of("IRQ " + irq.irq() + " runs on CPUs " + is + ", not " + irq.cpus());
            }
        }
        return Optional.empty();
    }

    /**
     * A thread the desired state pins to a partition's CPU and reserves there, left unreserved because it has not run
     * on that CPU since it was pinned: it sleeps, and the kernel moves a sleeping thread (and admits it to DEADLINE in
     * its new root domain) only once it wakes up. A later reconcile reserves it.
     */
    public record Waiting(int tid, String label, int cpu, String cpuset) {
        public String describe() {
            return "thread " + tid + " (" + label + ") is pinned to CPU " + cpu + " but has slept since: it is reserved once it runs there";
        }
    }

    /** The threads of {@code d} {@link Waiting waiting} to run on their partition's CPU. Read-only. */
    public List<Waiting> waiting(DesiredState d) {
        List<Waiting> out = new ArrayList<>();
        if (d == null) return out;
        for (var t : d.threads()) {
            if (!t.pinned() || !t.attrs().isDeadline()) continue;
            var live = observer.thread(t.tid());
            if (live.isEmpty() || live.get().attrs().isDeadline()) continue;
            adapters.partitions().partitionOf(t.cpu()).ifPresent(path -> out.add(new Waiting(t.tid(), t.label(), t.cpu(), path)));
        }
        return out;
    }

    /** Waits until {@code until} for one of {@code d}'s waiting threads to run; true when one did. */
    private boolean awaitSleepers(DesiredState d, long until) {
        List<Waiting> w = waiting(d);
        while (!w.isEmpty() && System.nanoTime() < until) {
            for (Waiting x : w) if (ran(x)) return true;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** True when {@code w} has run on its CPU since (or exited): a reconcile now reserves it (or forgets it). Read-only. */
    public boolean ran(Waiting w) {
        try {
            return adapters.partitions().arrived(w.tid(), w.cpuset());
        } catch (RuntimeException gone) {
            return true;
        }
    }

    /** {@code plan -f}: the configuration's desired state on this host; changes nothing (no lock). */
    /** The hints with the VMs' own cost models as their files are now ({@code vms[].costModel}), unless the caller gave them. */
    private static io.vmqos.analysis.PlanHints ownCostModels(HostConfig cfg, io.vmqos.analysis.PlanHints hints) {
        return hints.costModels().isEmpty() ? hints.withCostModels(io.vmqos.host.config.CostModelFile.vmModels(cfg)) : hints;
    }

    public Outcome plan(String scope, HostConfig cfg, Optional<CostModel> costs) { return plan(scope, cfg, costs, io.vmqos.analysis.PlanHints.NONE); }

    /**
     * {@code plan -f}, with what the agent knows besides ({@link io.vmqos.analysis.PlanHints}): its admission of a libvirt
     * domain before it starts.
     */
    public Outcome plan(String scope, HostConfig cfg, Optional<CostModel> costs, io.vmqos.analysis.PlanHints hints) {
        hints = ownCostModels(cfg, hints);
        List<String> notes = new ArrayList<>();
        HostRecord r = store.read().record();
        HostObserver.VmsSeen seen = observer.vms(cfg);
        notes.addAll(seen.notes());
        seen.notRunning().forEach((vm, why) -> notes.add("vm " + vm + ": not running (" + why + "): planned as a new VM"));
        DesiredState d = HostPolicy.desired(new PolicyInput(cfg, costs, observer.facts(r), seen.running(), seen.hostNics(), Set.of(), hints));
        return new Outcome(d, List.of(), merge(notes, d.notes()), r, List.of(), List.of());
    }

    /**
     * {@code apply -f} and the agent: makes the host what the configuration wants, recorded under {@code scope}.
     *
     * @throws ConfigRefusedException ALL_OR_NOTHING and some VM refused: nothing changed
     * @throws io.vmqos.host.reconcile.ReconcileFailedException a step failed: everything undone
     */
    public Outcome applyConfig(String scope, HostConfig cfg, Optional<CostModel> costs, Mode mode) {
        return applyConfig(scope, cfg, costs, mode, io.vmqos.analysis.PlanHints.NONE);
    }

    /** {@link #applyConfig(String, HostConfig, Optional, Mode)}, with what the agent knows besides ({@link io.vmqos.analysis.PlanHints}). */
    public Outcome applyConfig(String scope, HostConfig cfg, Optional<CostModel> costs, Mode mode, io.vmqos.analysis.PlanHints given) {
        io.vmqos.analysis.PlanHints hints = ownCostModels(cfg, given);
        HostAdapters adapters = this.adapters.withHostReserve(cfg.host().hostReserve());
        return locked(notes -> {
            Map<String, List<Object>> identities = identities(cfg); // before anything is looked at: see Fingerprint
            HostRecord start = load(notes);
            Executor.Transaction tx = executor.begin(start);
            Set<String> frozen = new TreeSet<>(), unreadable = new TreeSet<>();
            DesiredState d = null;
            long sleepersUntil = System.nanoTime() + sleeperWait.toNanos();
            for (int pass = 0; pass < MAX_PASSES; pass++) {
                HostObserver.VmsSeen seen = observer.vms(cfg);
                if (d == null) {
                    notes.addAll(seen.notes());
                    seen.notRunning().forEach((vm, why) -> notes.add("vm " + vm + ": not running (" + why + ")"));
                    seen.unobservable().forEach((vm, why) -> notes.add("vm " + vm + ": cannot be read now, left as it is (" + why + ")"));
                    frozen.addAll(seen.unobservable().keySet());
                    unreadable.addAll(seen.unobservable().keySet());
                }
                PolicyInput in = new PolicyInput(cfg, costs, observer.facts(tx.record()), seen.running(), seen.hostNics(), frozen, hints);
                d = HostPolicy.desired(in);
                if (mode == Mode.ALL_OR_NOTHING && (!d.complete() || !seen.notRunning().isEmpty() || !seen.unobservable().isEmpty())) {
                    List<String> problems = tx.abort();
                    if (!problems.isEmpty()) notes.add("rollback: " + String.join("; ", problems));
                    if (!d.complete()) throw new ConfigRefusedException(d);
                    throw new VmNotFoundException(seen);
                }
                if (!d.complete()) {
                    Set<String> refused = new TreeSet<>();
                    for (Refusal x : d.plan().refusals()) refused.add(x.vm());
                    for (String vm : refused) {
                        notes.add("vm " + vm + ": refused, keeps what it had: " + d.plan().refusals().stream().filter(x -> x.vm().equals(vm))
                                .findFirst().map(Refusal::message).orElse(""));
                    }
                    frozen.addAll(refused);
                    d = HostPolicy.desired(in.freezing(refused));
                }
                List<HostRecord.VmEntry> vms = new ArrayList<>();
                for (ObservedVm ov : seen.running().values()) {
                    vms.add(new HostRecord.VmEntry(new Owner(scope, ov.name()), ov.threads().pid(), ov.startTime(),
                            cfg.vm(ov.name()).map(v -> v.locator().describe()).orElse("")));
                }
                if (Reconcile.run(tx, scope, d, observer.live(d, tx.record()), vms, adapters, notes)) continue;
                if (!awaitSleepers(d, sleepersUntil)) break;
                pass--; // a sleeper ran: one more pass reserves it (bounded by the wait)
            }
            for (Waiting w : waiting(d)) notes.add(w.describe() + " (the agent does it; without one, run apply again)");
            return new Outcome(d, tx.done(), merge(notes, d == null ? List.of() : d.notes()), tx.record(), tx.threadOutcomes(), tx.repairs(),
                    unreadable.isEmpty() ? new Fingerprint(store.stamp(), identities) : null, unreadable); // a VM unreadable now: look again next time
        });
    }

    /**
     * Makes the host what {@code desired} says for {@code scope} (a scope without a plan: {@code vm reserve},
     * {@code reserve --tid}, a release); {@code desiredFn} is asked again after each pass (new NAPI threads).
     *
     * @param vmsFn the scope's VMs as found now (for the record)
     */
    public Outcome reconcile(String scope, Function<HostRecord, DesiredState> desiredFn, Supplier<List<HostRecord.VmEntry>> vmsFn) {
        return locked(notes -> {
            Executor.Transaction tx = executor.begin(load(notes));
            DesiredState d = null;
            long sleepersUntil = System.nanoTime() + sleeperWait.toNanos();
            for (int pass = 0; pass < MAX_PASSES; pass++) {
                d = desiredFn.apply(tx.record());
                Live live = observer.live(d, tx.record());
                if (Reconcile.run(tx, scope, d, live, vmsFn.get(), adapters, notes)) continue;
                if (!awaitSleepers(d, sleepersUntil)) break;
                pass--;
            }
            return new Outcome(d, tx.done(), merge(notes, d == null ? List.of() : d.notes()), tx.record(), tx.threadOutcomes(), tx.repairs());
        });
    }

    /** Releases everything recorded under {@code scope}: every change put back as it was (shared ones handed on). */
    public Outcome release(String scope) { return reconcile(scope, r -> DesiredState.nothing(), List::of); }

    /**
     * Puts {@code tids} back (see {@link Reconcile#releaseThreads}): {@code release --tid}, and what a VM or file release
     * leaves DEADLINE that vmqos never recorded. Threads that do not exist are skipped.
     */
    public Outcome releaseThreads(java.util.Collection<Integer> tids, boolean realTime) {
        return locked(notes -> {
            Executor.Transaction tx = executor.begin(load(notes));
            List<io.vmqos.host.reconcile.LiveThread> live = new ArrayList<>();
            for (int tid : tids) observer.thread(tid).ifPresent(live::add);
            Reconcile.releaseThreads(tx, live, realTime, adapters, notes);
            return new Outcome(DesiredState.nothing(), tx.done(), notes, tx.record(), tx.threadOutcomes(), tx.repairs());
        });
    }

    /** The record as it stands (damaged: empty), for {@code vmqos show}. */
    public HostRecord record() { return store.read().record(); }

    private Outcome locked(Function<List<String>, Outcome> body) {
        try (AutoCloseable l = lock.get()) {
            List<String> notes = new ArrayList<>();
            return body.apply(notes);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("host lock: " + e.getMessage(), e);
        }
    }

    /** The record, rebuilt from the kernel (and said so) when it cannot be trusted. */
    private HostRecord load(List<String> notes) {
        RecordStore.Loaded l = store.read();
        if (l.problem().isEmpty()) return l.record();
        HostRecord rebuilt = KernelScan.rebuild(observer, adapters.partitions());
        notes.add(l.problem().get() + "; rebuilt from the kernel: " + KernelScan.describe(rebuilt));
        return store.write(rebuilt);
    }

    private static List<String> merge(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        for (String s : b) if (!out.contains(s)) out.add(s);
        return out;
    }
}
