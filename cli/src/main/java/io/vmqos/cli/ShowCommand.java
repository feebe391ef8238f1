package io.vmqos.cli;

import io.vmqos.core.SchedAttributes;
import io.vmqos.linux.DeadlineThread;
import io.vmqos.linux.LedgerSnapshot;
import io.vmqos.linux.RootDomainLedger;
import io.vmqos.linux.SchedException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code vmqos show}: threads with their policy and reservation, then the deadline ledger of each root domain. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "List threads (all DEADLINE threads, or every thread of --pid) and the deadline-bandwidth ledger.")
final class ShowCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--pid", paramLabel = "PID", description = "Show every thread of this process.") String pid;
    @Mixin CommonOptions common;

    @Override
    public Integer call() {
        Host host = Host.open(common);
        LedgerSnapshot ledger = host.deadlineLedger().read();
        List<ThreadView> threads = new ArrayList<>();
        if (pid != null) {
            int p = ThreadSelection.parseId("--pid", pid);
            List<Integer> tids = host.proc().threadsOf(p);
            if (tids.isEmpty()) throw new io.vmqos.core.InvalidInputException("--pid", "process " + p + " does not exist", "check the id with: ps -e");
            for (int tid : tids) {
                try {
                    SchedAttributes a = host.scheduler().get(tid);
                    threads.add(ThreadView.of(tid, host.proc().comm(tid).orElse("?"), a, ""));
                } catch (SchedException.ThreadGone gone) {
                    // exited while listed
                }
            }
        } else {
            for (DeadlineThread t : ledger.threads()) {
                threads.add(new ThreadView(t.tid(), t.comm(), "DEADLINE", 0, 0, t.reservation().runtimeNs(),
                        t.reservation().deadlineNs(), t.reservation().periodNs(), t.bandwidth().cpus(), "pid " + t.pid(), "", ""));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        io.vmqos.host.state.HostRecord record = Host.store().read().record();
        threads.replaceAll(t -> t.where(host.proc().cpusAllowed(t.tid()).orElse("?"), record.thread(t.tid())
                .map(e -> String.join(", ", e.owners().stream().map(o -> o.vm().isEmpty() ? o.scope() : o.vm()).toList())).orElse("")));
        List<ShapedView> shaping = ShapedView.read(record);
        if (common.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("threads", threads);
            m.put("ledger", LedgerView.of(ledger));
            m.put("shaping", shaping);
            Json.print(out, m);
            return Main.DONE;
        }
        out.printf("%-8s %-16s %-9s %-22s %-9s %-6s %s%n", "TID", "NAME", "POLICY", "PARAMS (Q/D/P)", "BANDWIDTH", "CPUS", "VMQOS");
        for (ThreadView t : threads) {
            out.printf("%-8d %-16s %-9s %-22s %-9s %-6s %s%n", t.tid(), t.name(), t.policy(), t.describe(),
                    t.policy().equals("DEADLINE") ? String.format("%.1f%%", t.bandwidth() * 100) : "-", t.cpus(), t.heldBy().isEmpty() ? "-" : t.heldBy());
        }
        if (threads.isEmpty()) out.println("(no " + (pid == null ? "DEADLINE " : "") + "threads)");
        out.println();
        LedgerView.print(out, ledger);
        if (!shaping.isEmpty()) {
            out.println();
            out.println("vmqos-shaped devices (from " + Host.store().file() + "):");
            for (ShapedView v : shaping) {
                out.println(" VM " + v.vm() + ":");
                for (PathViews.StatsLine st : v.devices()) PathViews.printStats(out, st);
                for (String n : v.notes()) out.println("  note: " + n);
            }
        }
        out.flush();
        return Main.DONE;
    }

    /** One VM's shaped devices with their class statistics, as recorded in the path state file. */
    record ShapedView(String vm, List<PathViews.StatsLine> devices, List<String> notes) {
        static List<ShapedView> read(io.vmqos.host.state.HostRecord record) {
            java.util.Map<String, ShapedView> byVm = new java.util.TreeMap<>();
            io.vmqos.linux.net.LinkShaper shaper = io.vmqos.linux.net.LinkShaper.system();
            for (io.vmqos.host.state.HostRecord.ShapingEntry s : record.shaping()) {
                String vm = String.join("+", s.owners().stream().map(o -> o.vm().isEmpty() ? o.scope() : o.vm()).toList());
                ShapedView v = byVm.computeIfAbsent(vm, k -> new ShapedView(k, new ArrayList<>(), new ArrayList<>()));
                String dev = s.ifb() != null ? s.ifb() : s.device().name();
                try {
                    v.devices().add(PathViews.StatsLine.of(shaper.stats(dev, s.device().ns())));
                } catch (RuntimeException gone) {
                    v.notes().add(dev + ": " + gone.getMessage());
                }
            }
            return new ArrayList<>(byVm.values());
        }
    }

    /** The ledger as the CLI reports it. Bandwidths as fractions of one CPU. */
    record LedgerView(String cpus, double capacity, double kernelCounter, double liveThreads, double servers,
                      double unaccounted, boolean leaked, int deadlineThreads) {
        static List<LedgerView> of(LedgerSnapshot s) {
            List<LedgerView> v = new ArrayList<>();
            for (RootDomainLedger d : s.domains()) {
                v.add(new LedgerView(d.cpuList(), d.unlimited() ? -1 : d.capacity().cpus(),
                        d.kernelTotal().cpus(), d.threadsTotal().cpus(), d.serversTotal().cpus(),
                        d.unaccounted().cpus(), d.leaked(d.defaultTolerance()), d.threads().size()));
            }
            return v;
        }

        static void print(PrintWriter out, LedgerSnapshot s) {
            out.println("deadline ledger (share of one CPU):");
            out.printf("  %-8s %-10s %-14s %-12s %-9s %-12s %s%n", "CPUS", "CAPACITY", "KERNEL-COUNT", "LIVE-THREADS", "SERVERS", "UNACCOUNTED", "LEAK");
            for (LedgerView v : of(s)) {
                out.printf("  %-8s %-10s %-14s %-12s %-9s %-12s %s%n", v.cpus(),
                        v.capacity() < 0 ? "unlimited" : pct(v.capacity()), pct(v.kernelCounter()), pct(v.liveThreads()),
                        pct(v.servers()), pct(v.unaccounted()), v.leaked() ? "LEAKED (repair: vmqos doctor --repair)" : "no");
            }
            for (String w : s.warnings()) out.println("  warning: " + w);
        }

        private static String pct(double cpus) { return String.format("%.1f%%", cpus * 100); }
    }
}
