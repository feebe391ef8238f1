package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.config.HostConfig;
import io.vmqos.host.ConfigApply;
import io.vmqos.host.config.HostConfigParser;
import io.vmqos.core.ThreadChange;
import io.vmqos.host.ApplyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
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
    @Mixin LockOptions lock;
    @Option(names = {"-f", "--file"}, paramLabel = "HOST.YAML",
            description = "Release every DEADLINE thread of every VM of this host configuration file (instead of --tid/--pid).")
    Path file;

    @Override
    public Integer call() {
        if (file != null) return releaseFile();
        Host host = Host.open(common);
        try (var held = lock.acquire(spec)) {
            return releaseThreads(host);
        }
    }

    private int releaseThreads(Host host) {
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
        ApplyReport report = host.reserver().release(changes);
        Reports.printApply(spec.commandLine().getOut(), report, common.json, "released");
        return Main.DONE;
    }

    /** {@code release -f}: every VM of the file, one transaction; VMs not running are skipped with a note. */
    private int releaseFile() {
        if (threads.tids != null || threads.pid != null) {
            throw new InvalidInputException("-f/--tid/--pid", "both a file and threads are given", "give either -f HOST.YAML or --tid/--pid");
        }
        HostConfig cfg = new HostConfigParser(Host.withReserve(0).limits()).parse(file);
        Host host = Host.withReserve(cfg.host().hostReserve());
        ConfigApply done;
        try (var held = lock.acquire(spec)) {
            done = ConfigFileOption.planning(host).release(cfg, host.reserver(), host.ledger());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> m = new LinkedHashMap<>(Reports.applyJson(done.report()));
            m.put("notes", done.notes());
            Json.print(out, m);
        } else {
            for (String n : done.notes()) out.printf("note: %s%n", n);
            Reports.printApplyText(out, done.report(), "released");
        }
        return Main.DONE;
    }
}
