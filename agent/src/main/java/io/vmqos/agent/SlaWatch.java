package io.vmqos.agent;

import io.vmqos.analysis.OfferedLoad;
import io.vmqos.core.config.DirectionSla;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.host.service.HostService;
import io.vmqos.host.state.HostRecord;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.net.TapCounters;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The agent's watch on offered load: at each periodic tick it reads every configured VM's tap counters and, per
 * direction its SLA names, compares the window since the last tick with the SLA's envelope ({@link OfferedLoad}). A
 * direction that starts to exceed it is logged as a warning (the guarantee does not cover the excess), one that comes
 * back within it as information; {@link #loads} gives the last window of each for metrics. The SLA's {@code rx} (host
 * → VM) is what the taps sent, its {@code tx} what they received. A window shorter than a second, or one across a
 * QEMU restart (the counters start again), is not judged. At the same tick its {@link BudgetWatch} judges how often
 * each VM stage's reserved threads ran out of budget ({@link #budgets}). Called on the agent's duty thread;
 * {@link #loads} and {@link #budgets} from any.
 */
final class SlaWatch {
    private static final long MIN_WINDOW_NS = 1_000_000_000L;

    private record Sample(TapCounters.Counters counters, long atNs) {}

    private final VmTraffic traffic;
    private final Log log;
    private final Map<String, Sample> last = new HashMap<>();
    private volatile Map<String, OfferedLoad> states = Map.of();

    private final BudgetWatch budget;

    SlaWatch(VmTraffic traffic, Log log) { this(traffic, new ProcFs(), log); }

    /** @param proc where the reserved threads' switches and CPU time are read */
    SlaWatch(VmTraffic traffic, ProcFs proc, Log log) {
        this.traffic = traffic;
        this.log = log;
        this.budget = new BudgetWatch(proc, log);
    }

    /** Judges the window since the last call: offered load against the SLAs, and the reserved threads' budgets. */
    void sample(HostConfig cfg, HostService.Outcome last, long nowNs) {
        budget.sample(last.desired(), nowNs);
        load(cfg, last.record(), nowNs);
    }

    private void load(HostConfig cfg, HostRecord record, long nowNs) {
        java.util.Set<String> withSla = new java.util.HashSet<>();
        for (VmConfig vm : cfg.vms()) if (vm.rx().isPresent() || vm.tx().isPresent()) withSla.add(vm.name());
        if (withSla.isEmpty() && states.isEmpty()) return; // nothing to watch: no tap is read
        Map<String, TapCounters.Counters> now = traffic.read(record, withSla::contains);
        Map<String, OfferedLoad> next = new TreeMap<>(states);
        for (VmConfig vm : cfg.vms()) {
            if (vm.rx().isEmpty() && vm.tx().isEmpty()) continue;
            TapCounters.Counters c = now.get(vm.name());
            if (c == null) {
                last.remove(vm.name());
                next.keySet().removeIf(k -> k.startsWith(vm.name() + "/"));
                continue;
            }
            Sample prev = last.put(vm.name(), new Sample(c, nowNs));
            if (prev == null || nowNs - prev.atNs() < MIN_WINDOW_NS) continue;
            long window = nowNs - prev.atNs();
            judge(next, vm.name(), "rx", vm.rx(), c.txPackets() - prev.counters().txPackets(), c.txBytes() - prev.counters().txBytes(), window);
            judge(next, vm.name(), "tx", vm.tx(), c.rxPackets() - prev.counters().rxPackets(), c.rxBytes() - prev.counters().rxBytes(), window);
        }
        next.keySet().removeIf(k -> cfg.vm(k.substring(0, k.lastIndexOf('/'))).isEmpty());
        states = Map.copyOf(next);
    }

    private void judge(Map<String, OfferedLoad> next, String vm, String direction, Optional<DirectionSla> sla, long packets, long bytes, long windowNs) {
        if (sla.isEmpty() || packets < 0 || bytes < 0) return; // no SLA that way, or counters restarted
        OfferedLoad o = OfferedLoad.of(vm, direction, sla.get(), packets, bytes, windowNs);
        OfferedLoad before = next.put(vm + "/" + direction, o);
        boolean was = before != null && before.exceeds();
        if (o.exceeds() && !was) log.warn(o.describe() + ": the guarantee does not cover the excess");
        else if (!o.exceeds() && was) log.info(o.describe() + " again");
    }

    /** Each VM direction's last judged window, for metrics. Any thread. */
    List<OfferedLoad> loads() { return List.copyOf(states.values()); }

    /** Each VM stage's last judged budget window ({@link BudgetWatch}), for metrics. Any thread. */
    List<BudgetState> budgets() { return budget.states(); }
}
