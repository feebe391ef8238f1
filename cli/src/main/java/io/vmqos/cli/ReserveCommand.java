package io.vmqos.cli;

import io.vmqos.core.Durations;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedFlag;
import io.vmqos.core.ThreadChange;
import io.vmqos.host.ApplyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code vmqos reserve}: put threads under one SCHED_DEADLINE reservation each, all or nothing. */
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
        long q = Durations.parseNanos("--runtime", runtime);
        long p = Durations.parseNanos("--period", period);
        long d = deadline == null ? p : Durations.parseNanos("--deadline", deadline);
        Host host = Host.open(common);
        Reservation r = new Reservation(q, d, p);
        r.validate("--runtime/--deadline/--period", host.limits());
        SchedAttributes target = SchedAttributes.deadline(r, reclaim ? EnumSet.of(SchedFlag.RECLAIM) : EnumSet.noneOf(SchedFlag.class));
        try (var held = lock.acquire(spec)) {
            List<ThreadChange> changes = new ArrayList<>();
            for (int tid : threads.resolve(host.proc())) changes.add(new ThreadChange(tid, target, host.proc().comm(tid).orElse("")));
            ApplyReport report = host.reserver().apply(changes);
            Reports.printApply(spec.commandLine().getOut(), report, common.json, "reserved");
        }
        return Main.DONE;
    }
}
