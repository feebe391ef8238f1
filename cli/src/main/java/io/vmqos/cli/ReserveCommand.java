package io.vmqos.cli;

import io.vmqos.core.Durations;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedFlag;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.host.service.HostService;
import io.vmqos.host.service.Scopes;
import io.vmqos.host.state.HostRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code vmqos reserve}: put threads under one SCHED_DEADLINE reservation each, all or nothing, recorded (with the
 * value before) under the scope {@code threads}; earlier {@code reserve}s stay as they are.
 */
@Command(name = "reserve", mixinStandardHelpOptions = true,
        description = "Give each selected thread a SCHED_DEADLINE reservation (runtime every period), all or nothing.")
final class ReserveCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ThreadSelection threads;
    @Option(names = "--runtime", required = true, paramLabel = "Q", description = "CPU time per period, e.g. 2ms or 500us.") String runtime;
    @Option(names = "--period", required = true, paramLabel = "P", description = "Period, e.g. 10ms.") String period;
    @Option(names = "--deadline", paramLabel = "D", description = "Relative deadline (default: the period).") String deadline;
    @Option(names = "--reclaim", description = "Let the threads reclaim unused bandwidth (SCHED_FLAG_RECLAIM).") boolean reclaim;
    @Mixin CommonOptions common;
    @Mixin LockOptions lock;

    @Override
    public Integer call() {
        if (reclaim) throw Reclaim.unbounded("--reclaim", "give the VM reclaim: true (and reclaimCeiling) in the host.yaml that vmqos agent -f keeps");
        long q = Durations.parseNanos("--runtime", runtime);
        long p = Durations.parseNanos("--period", period);
        long d = deadline == null ? p : Durations.parseNanos("--deadline", deadline);
        Host host = Host.open(common);
        Reservation r = new Reservation(q, d, p);
        r.validate("--runtime/--deadline/--period", host.limits());
        SchedAttributes target = SchedAttributes.deadline(r, reclaim ? EnumSet.of(SchedFlag.RECLAIM) : EnumSet.noneOf(SchedFlag.class));
        HostService.Outcome o;
        try (var held = lock.acquire(spec)) {
            List<DesiredThread> asked = new ArrayList<>();
            for (int tid : threads.resolve(host.proc())) {
                asked.add(new DesiredThread(tid, host.proc().tgid(tid).orElse(tid), List.of(""), host.proc().comm(tid).orElse(""), target,
                        DesiredThread.ANY_CPU));
            }
            if (asked.isEmpty()) throw new io.vmqos.core.InvalidInputException("threads", "no thread to change", "give at least one thread id (--tid) or a process (--pid)");
            o = host.service(LockOptions.what(spec), lock.wait(spec)).reconcile(Scopes.THREADS, rec -> threadsScope(rec, asked, List.of()), List::of);
        }
        Reports.printOutcome(spec.commandLine().getOut(), o, common.json, "reserved");
        return Main.DONE;
    }

    /**
     * The threads scope's desired state: what earlier {@code reserve}s recorded (as they gave it), with {@code asked}
     * added or replacing and {@code dropped} left out.
     */
    static DesiredState threadsScope(HostRecord r, List<DesiredThread> asked, List<Integer> dropped) {
        List<DesiredThread> out = new ArrayList<>(asked);
        for (HostRecord.ThreadEntry e : r.threads()) {
            if (e.owners().stream().noneMatch(o -> o.scope().equals(Scopes.THREADS))) continue;
            if (dropped.contains(e.tid()) || asked.stream().anyMatch(a -> a.tid() == e.tid())) continue;
            out.add(new DesiredThread(e.tid(), e.pid(), List.of(""), e.label(), e.applied().toAttributes(), DesiredThread.ANY_CPU));
        }
        return new DesiredState(out, List.of(), List.of(), List.of(), List.of(), Set.of(), null, Set.of(), List.of());
    }
}
