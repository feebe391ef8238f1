package io.vmqos.agent.metrics;

import io.vmqos.agent.AgentStats;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostPlan;
import io.vmqos.core.Refusal;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.VmPlan;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.host.service.HostService;
import io.vmqos.linux.LedgerSnapshot;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.RootDomainLedger;
import io.vmqos.linux.ThreadScheduler;
import io.vmqos.agent.BudgetState;
import io.vmqos.agent.VmTraffic;
import io.vmqos.analysis.OfferedLoad;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The agent's Prometheus metrics, read at each scrape (on the exporter's thread) from the last reconcile the agent
 * published and from the kernel, read-only. Names follow Prometheus' conventions: {@code vmqos_} prefix, base units
 * (seconds, CPUs as a ratio), {@code _total} on counters.
 * <ul>
 *   <li>per reserved thread (labels {@code vm}, {@code stage}, {@code tid}): {@code vmqos_thread_reserved_cpu_ratio}
 *       (runtime/period), {@code vmqos_thread_reserved} (1 while the kernel holds that reservation),
 *       {@code vmqos_thread_cpu_seconds_total} and {@code vmqos_thread_run_delay_seconds_total} (time runnable but
 *       waiting for a CPU: the stage's queueing) from {@code /proc/TID/schedstat}, and
 *       {@code vmqos_thread_involuntary_switches_total} ({@code nonvoluntary_ctxt_switches}: every time its budget ran
 *       out is one, as is a preemption by an earlier deadline; no signal is involved, unlike SCHED_FLAG_DL_OVERRUN);</li>
 *   <li>per recorded VM (labels {@code vm}, {@code direction} {@code tx}/{@code rx} as the VM sees it):
 *       {@code vmqos_vm_packets_total} and {@code vmqos_vm_bytes_total}, from its taps' counters; per SLA direction
 *       ({@code rx} host → VM) {@code vmqos_vm_offered_packets_per_second} and {@code vmqos_vm_sla_exceeded} over the
 *       agent's last interval ({@link io.vmqos.agent.HostAgent#offeredLoads});</li>
 *   <li>per VM stage the SLA watch judged (labels {@code vm}, {@code stage}): {@code vmqos_vm_budget_exhausted} (1 when
 *       its budget ran out in more than 1% of its periods over the SLA watch's last window) and
 *       {@code vmqos_vm_budget_exhausted_period_ratio} (that share; {@link io.vmqos.agent.HostAgent#budgets});</li>
 *   <li>per VM the plan names (label {@code vm}): {@code vmqos_vm_protected} (1 when every thread the plan names holds
 *       its reservation), and for a VM sized from an SLA {@code vmqos_vm_sla_rate_packets_per_second} and
 *       {@code vmqos_vm_guaranteed_delay_seconds} (the delay bound the plan guarantees);</li>
 *   <li>per root domain (label {@code cpus}): {@code vmqos_rootdomain_capacity_cpu_ratio},
 *       {@code vmqos_rootdomain_free_cpu_ratio}, {@code vmqos_rootdomain_leaked_cpu_ratio} (what the kernel's counter
 *       holds beyond every live DEADLINE thread and server);</li>
 *   <li>per agent: {@code vmqos_agent_reconciles_total}, {@code vmqos_agent_reconcile_failures_total},
 *       {@code vmqos_agent_quiet_checks_total}, {@code vmqos_agent_last_reconcile_seconds} (and the histogram
 *       {@code vmqos_agent_protect_seconds}, registered from {@link AgentStats#protectTimes()}).</li>
 * </ul>
 * A scrape reads one {@code schedstat} and makes one {@code sched_getattr} per reserved thread, each tap's counters
 * (sysfs; one {@code ip -s -j link} for a tap in a named namespace), and the ledger once (~2 ms). A VM's taps are
 * looked up once per QEMU process.
 */
public final class HostMetrics implements MultiCollector {
    private final Supplier<Optional<HostService.Outcome>> last;
    private final AgentStats stats;
    private final ProcFs proc;
    private final ThreadScheduler scheduler;
    private final Supplier<LedgerSnapshot> ledger;
    private final VmTraffic traffic;
    private final Supplier<List<OfferedLoad>> loads;
    private final Supplier<List<BudgetState>> budgets;

    /** Without traffic. */
    public HostMetrics(Supplier<Optional<HostService.Outcome>> last, AgentStats stats, ProcFs proc, ThreadScheduler scheduler,
                       Supplier<LedgerSnapshot> ledger) {
        this(last, stats, proc, scheduler, ledger, VmTraffic.none(), List::of, List::of);
    }

    /**
     * @param traffic the VMs' tap counters
     * @param loads the SLA watch's last window per VM direction
     * @param budgets the SLA watch's last budget window per VM stage
     */
    public HostMetrics(Supplier<Optional<HostService.Outcome>> last, AgentStats stats, ProcFs proc, ThreadScheduler scheduler,
                       Supplier<LedgerSnapshot> ledger, VmTraffic traffic, Supplier<List<OfferedLoad>> loads, Supplier<List<BudgetState>> budgets) {
        this.last = last;
        this.stats = stats;
        this.proc = proc;
        this.scheduler = scheduler;
        this.ledger = ledger;
        this.traffic = traffic;
        this.loads = loads;
        this.budgets = budgets;
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        Optional<HostService.Outcome> o = last.get(); // one reconcile's view for the whole scrape
        threadsAndVms(o.map(HostService.Outcome::desired).orElse(DesiredState.nothing()), out);
        o.ifPresent(x -> traffic(x.record(), out));
        budgets(out);
        rootDomains(out);
        out.add(counter("vmqos_agent_reconciles", "Reconciles the agent ran", List.of(point(Labels.EMPTY, stats.reconciles()))));
        out.add(counter("vmqos_agent_reconcile_failures", "Reconciles that failed (retried at the next event or interval)",
                List.of(point(Labels.EMPTY, stats.failures()))));
        out.add(counter("vmqos_agent_quiet_checks", "Periodic checks that found the host as the last reconcile left it",
                List.of(point(Labels.EMPTY, stats.quietChecks()))));
        out.add(gauge("vmqos_agent_last_reconcile_seconds", "How long the last reconcile took", List.of(gpoint(Labels.EMPTY, stats.lastReconcileNanos() / 1e9))));
        if (stats.placementInSync() >= 0) {
            out.add(counter("vmqos_placement_publish_failures", "Publishes into OpenStack Placement that failed (retried with backoff)",
                    List.of(point(Labels.EMPTY, stats.placementFailures()))));
            out.add(gauge("vmqos_placement_in_sync", "1 when Placement holds what this host holds, 0 while a publish is due or failing",
                    List.of(gpoint(Labels.EMPTY, stats.placementInSync()))));
        }
        return new MetricSnapshots(out);
    }

    private void threadsAndVms(DesiredState d, List<MetricSnapshot> out) {
        List<GaugeDataPointSnapshot> ratio = new ArrayList<>(), held = new ArrayList<>();
        List<CounterDataPointSnapshot> cpu = new ArrayList<>(), delay = new ArrayList<>(), preempted = new ArrayList<>();
        Map<String, Boolean> protectedVm = new TreeMap<>();
        HostPlan plan = d.plan();
        if (plan != null) {
            for (VmPlan v : plan.vms()) protectedVm.put(v.vm(), true);
            for (Refusal r : plan.refusals()) protectedVm.put(r.vm(), false); // its plan is not what the host holds
        }
        for (DesiredThread t : d.threads()) {
            if (!t.attrs().isDeadline()) continue;
            Labels l = Labels.of("vm", String.join("+", t.vms()), "stage", t.stage(), "tid", String.valueOf(t.tid()));
            SchedAttributes a = t.attrs();
            ratio.add(gpoint(l, a.runtimeNs() / (double) a.periodNs()));
            boolean holds;
            try {
                holds = scheduler.get(t.tid()).sameSchedulingAs(a);
            } catch (RuntimeException gone) {
                holds = false;
            }
            held.add(gpoint(l, holds ? 1 : 0));
            for (String vm : t.vms()) protectedVm.merge(vm, holds, Boolean::logicalAnd);
            proc.schedstat(t.tid()).ifPresent(s -> {
                cpu.add(point(l, s.runNs() / 1e9));
                delay.add(point(l, s.waitNs() / 1e9));
            });
            long inv = proc.involuntarySwitches(t.tid());
            if (inv >= 0) preempted.add(point(l, inv));
        }
        out.add(gauge("vmqos_thread_reserved_cpu_ratio", "The thread's reserved share of a CPU (runtime/period)", ratio));
        out.add(gauge("vmqos_thread_reserved", "1 while the kernel holds the thread's reservation", held));
        out.add(counter("vmqos_thread_cpu_seconds", "CPU time the thread has run", cpu));
        out.add(counter("vmqos_thread_run_delay_seconds", "Time the thread was runnable but waited for a CPU", delay));
        out.add(counter("vmqos_thread_involuntary_switches", "Times the thread was switched out while runnable: its budget ran out, "
                + "or an earlier deadline preempted it", preempted));
        List<GaugeDataPointSnapshot> prot = new ArrayList<>(), rate = new ArrayList<>(), bound = new ArrayList<>();
        protectedVm.forEach((vm, p) -> prot.add(gpoint(Labels.of("vm", vm), p ? 1 : 0)));
        if (plan != null) {
            for (VmPlan v : plan.vms()) {
                if (v.sla() == null) continue;
                rate.add(gpoint(Labels.of("vm", v.vm()), v.sla().ratePps()));
                if (v.delayBoundNs() > 0) bound.add(gpoint(Labels.of("vm", v.vm()), v.delayBoundNs() / 1e9));
            }
        }
        out.add(gauge("vmqos_vm_protected", "1 when every thread the VM's plan names holds its reservation", prot));
        out.add(gauge("vmqos_vm_sla_rate_packets_per_second", "The packet rate of the VM's SLA", rate));
        out.add(gauge("vmqos_vm_guaranteed_delay_seconds", "The delay bound vmqos guarantees the VM's traffic within its SLA", bound));
    }

    /**
     * Each recorded VM's packets and bytes by direction, the VM's view (what it sent, {@code tx}, is its taps' rx), and
     * the SLA watch's last window per direction (the SLA's view: {@code rx} host → VM).
     */
    private void traffic(io.vmqos.host.state.HostRecord r, List<MetricSnapshot> out) {
        List<CounterDataPointSnapshot> packets = new ArrayList<>(), bytes = new ArrayList<>();
        traffic.read(r).forEach((vm, c) -> {
            packets.add(point(Labels.of("vm", vm, "direction", "tx"), c.rxPackets()));
            bytes.add(point(Labels.of("vm", vm, "direction", "tx"), c.rxBytes()));
            packets.add(point(Labels.of("vm", vm, "direction", "rx"), c.txPackets()));
            bytes.add(point(Labels.of("vm", vm, "direction", "rx"), c.txBytes()));
        });
        out.add(counter("vmqos_vm_packets", "Packets the VM sent (tx) and received (rx), from its taps' counters", packets));
        out.add(counter("vmqos_vm_bytes", "Bytes the VM sent (tx) and received (rx), from its taps' counters", bytes));
        List<GaugeDataPointSnapshot> offered = new ArrayList<>(), exceeded = new ArrayList<>();
        for (OfferedLoad o : loads.get()) {
            Labels l = Labels.of("vm", o.vm(), "direction", o.direction());
            offered.add(gpoint(l, o.pps()));
            exceeded.add(gpoint(l, o.exceeds() ? 1 : 0));
        }
        out.add(gauge("vmqos_vm_offered_packets_per_second", "Packets per second the VM's traffic offered over the agent's last interval", offered));
        out.add(gauge("vmqos_vm_sla_exceeded", "1 when that interval's traffic exceeded the SLA's envelope (rate x window + burst)", exceeded));
    }

    /** The SLA watch's last budget window per VM stage (its worst thread). */
    private void budgets(List<MetricSnapshot> out) {
        List<GaugeDataPointSnapshot> exhausted = new ArrayList<>(), ratio = new ArrayList<>();
        List<CounterDataPointSnapshot> periods = new ArrayList<>();
        for (BudgetState b : budgets.get()) {
            Labels l = Labels.of("vm", b.vm(), "stage", b.stage());
            exhausted.add(gpoint(l, b.exceeds() ? 1 : 0));
            ratio.add(gpoint(l, b.ratio()));
            periods.add(point(Labels.of("vm", b.vm(), "stage", b.stage(), "tid", Integer.toString(b.tid())), b.exhaustedTotal()));
        }
        out.add(counter("vmqos_thread_budget_exhausted_periods", "Periods in which the thread used its whole runtime, estimated by the SLA watch "
                + "(throttles, or its share of reserved time used when at least 95%) since it got its reservation", periods));
        out.add(gauge("vmqos_vm_budget_exhausted", "1 when the stage's budget ran out in more than 1% of its periods over the SLA watch's last window", exhausted));
        out.add(gauge("vmqos_vm_budget_exhausted_period_ratio", "The share of the stage's periods whose budget ran out over the SLA watch's last window "
                + "(its worst thread)", ratio));
    }

    private void rootDomains(List<MetricSnapshot> out) {
        List<GaugeDataPointSnapshot> cap = new ArrayList<>(), free = new ArrayList<>(), leak = new ArrayList<>();
        LedgerSnapshot s;
        try {
            s = ledger.get();
        } catch (RuntimeException unreadable) {
            return; // no debugfs: no root-domain metrics rather than no metrics
        }
        TreeSet<String> seen = new TreeSet<>();
        for (RootDomainLedger d : s.domains()) {
            if (!seen.add(d.cpuList())) continue;
            Labels l = Labels.of("cpus", d.cpuList());
            CpuBandwidth c = d.unlimited() ? CpuBandwidth.ONE_CPU.times(d.cpus().size()) : d.capacity();
            cap.add(gpoint(l, c.cpus()));
            free.add(gpoint(l, c.minus(d.kernelTotal()).max(CpuBandwidth.ZERO).cpus()));
            leak.add(gpoint(l, d.unaccounted().max(CpuBandwidth.ZERO).cpus()));
        }
        out.add(gauge("vmqos_rootdomain_capacity_cpu_ratio", "The root domain's SCHED_DEADLINE capacity, in CPUs", cap));
        out.add(gauge("vmqos_rootdomain_free_cpu_ratio", "The root domain's SCHED_DEADLINE capacity not held, in CPUs", free));
        out.add(gauge("vmqos_rootdomain_leaked_cpu_ratio", "Bandwidth the kernel counts beyond every live DEADLINE thread and server, in CPUs", leak));
    }

    private static GaugeSnapshot gauge(String name, String help, List<GaugeDataPointSnapshot> points) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        points.forEach(b::dataPoint);
        return b.build();
    }

    private static CounterSnapshot counter(String name, String help, List<CounterDataPointSnapshot> points) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        points.forEach(b::dataPoint);
        return b.build();
    }

    private static GaugeDataPointSnapshot gpoint(Labels l, double v) { return GaugeDataPointSnapshot.builder().labels(l).value(v).build(); }

    private static CounterDataPointSnapshot point(Labels l, double v) { return CounterDataPointSnapshot.builder().labels(l).value(v).build(); }
}
