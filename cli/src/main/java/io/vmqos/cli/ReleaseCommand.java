package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.vm.VmThread;
import io.vmqos.host.ApplyReport;
import io.vmqos.host.config.HostConfigParser;
import io.vmqos.host.service.HostObserver;
import io.vmqos.host.service.HostService;
import io.vmqos.host.service.Scopes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vmqos release}: puts the selected threads back to what they were before vmqos (SCHED_OTHER nice 0 for a
 * DEADLINE thread vmqos did not record), all or nothing, and repairs the kernel's ledger if the switch leaked. With
 * {@code -f}: everything the file's {@code apply} recorded is put back (reservations, NAPI, IRQs, partitions,
 * shaping), and any DEADLINE thread of its VMs released. Releasing twice changes nothing.
 */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = "Put threads (or everything a configuration file applied) back as before vmqos; repair the ledger if it leaked.")
final class ReleaseCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ThreadSelection threads;
    @Mixin CommonOptions common;
    @Mixin LockOptions lock;
    @Option(names = {"-f", "--file"}, paramLabel = "HOST.YAML",
            description = "Put back everything this host configuration file applied, and release every DEADLINE thread of its VMs (instead of --tid/--pid).")
    Path file;

    @Override
    public Integer call() {
        if (file != null) return releaseFile();
        Host host = Host.open(common);
        HostService.Outcome o;
        try (var held = lock.acquire(spec)) {
            List<Integer> tids = threads.resolve(host.proc());
            HostService service = host.service(LockOptions.what(spec), lock.wait(spec));
            // the threads scope gives them up first (a thread several `reserve`s recorded), then anything still held goes back
            o = service.reconcile(Scopes.THREADS, r -> ReserveCommand.threadsScope(r, List.of(), tids), List::of);
            HostService.Outcome rest = service.releaseThreads(tids, false);
            o = merge(o, rest);
            if (o.threads().isEmpty()) o = withRepair(o, host.reserver().release(List.of()));
        }
        Reports.printApply(spec.commandLine().getOut(), o.report(), common.json, "released");
        return Main.DONE;
    }

    /** {@code release -f}: every change of the file's scope put back, and the DEADLINE threads of its running VMs released. */
    private int releaseFile() {
        if (threads.tids != null || threads.pid != null) {
            throw new InvalidInputException("-f/--tid/--pid", "both a file and threads are given", "give either -f HOST.YAML or --tid/--pid");
        }
        HostConfig cfg = new HostConfigParser(Host.withReserve(0).limits()).parse(file);
        Host host = Host.withReserve(cfg.host().hostReserve());
        HostService.Outcome o;
        try (var held = lock.acquire(spec)) {
            HostService service = host.service(LockOptions.what(spec), lock.wait(spec));
            o = service.release(Scopes.config(file));
            HostObserver.VmsSeen seen = service.observer().vms(cfg);
            List<Integer> tids = new ArrayList<>();
            seen.running().values().forEach(vm -> vm.threads().threads().stream().map(VmThread::tid).forEach(tids::add));
            List<String> notes = new ArrayList<>(o.notes());
            seen.notRunning().forEach((vm, why) -> notes.add("vm " + vm + ": not running (" + why + "): nothing to release"));
            o = merge(new HostService.Outcome(o.desired(), o.done(), notes, o.record(), o.threads(), o.repairs()), service.releaseThreads(tids, false));
            if (o.threads().isEmpty()) o = withRepair(o, host.reserver().release(List.of()));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> m = new LinkedHashMap<>(Reports.applyJson(o.report()));
            m.put("steps", o.done());
            m.put("notes", o.notes());
            Json.print(out, m);
        } else {
            Reports.printSteps(out, o);
            Reports.printApplyText(out, o.report(), "released");
        }
        return Main.DONE;
    }

    static HostService.Outcome merge(HostService.Outcome a, HostService.Outcome b) {
        List<String> done = new ArrayList<>(a.done()), notes = new ArrayList<>(a.notes());
        done.addAll(b.done());
        for (String n : b.notes()) if (!notes.contains(n)) notes.add(n);
        List<io.vmqos.host.ThreadOutcome> threads = new ArrayList<>(a.threads());
        threads.addAll(b.threads());
        List<io.vmqos.host.LedgerRepair> repairs = new ArrayList<>(a.repairs());
        repairs.addAll(b.repairs());
        return new HostService.Outcome(a.desired(), done, notes, b.record(), threads, repairs);
    }

    static HostService.Outcome withRepair(HostService.Outcome o, ApplyReport r) {
        if (!r.repair().repaired()) return o;
        List<io.vmqos.host.LedgerRepair> repairs = new ArrayList<>(o.repairs());
        repairs.add(r.repair());
        return new HostService.Outcome(o.desired(), o.done(), o.notes(), o.record(), o.threads(), repairs);
    }
}
