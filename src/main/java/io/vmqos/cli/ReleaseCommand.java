package io.vmqos.cli;

import io.vmqos.core.SchedAttributes;
import io.vmqos.core.ThreadChange;
import io.vmqos.host.ApplyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code vmqos release}: put the selected DEADLINE threads back to SCHED_OTHER (nice 0), all or nothing, and repair
 * the kernel's ledger if the switch leaked. Threads that are not DEADLINE are left alone; releasing twice is a no-op.
 */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = "Take the selected threads out of SCHED_DEADLINE (back to SCHED_OTHER) and repair the ledger if it leaked.")
final class ReleaseCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ThreadSelection threads;
    @Mixin CommonOptions common;

    @Override
    public Integer call() {
        Host host = Host.open(common);
        List<ThreadChange> changes = new ArrayList<>();
        for (int tid : threads.resolve(host.proc())) {
            try {
                if (host.scheduler().get(tid).isDeadline()) {
                    changes.add(new ThreadChange(tid, SchedAttributes.other(), host.proc().comm(tid).orElse("")));
                }
            } catch (io.vmqos.linux.SchedException.ThreadGone gone) {
                // exited since it was listed: nothing to release
            }
        }
        if (changes.isEmpty()) {
            Reports.printApply(spec.commandLine().getOut(), new ApplyReport(List.of(), host.ledger().repairIfLeaked()), common.json, "released");
            return Main.DONE;
        }
        ApplyReport report = host.reserver().apply(changes);
        Reports.printApply(spec.commandLine().getOut(), report, common.json, "released");
        return Main.DONE;
    }
}
