package io.vmqos.cli;

import io.vmqos.core.Durations;
import io.vmqos.linux.CpusetHierarchy;
import io.vmqos.linux.DebugFs;
import io.vmqos.linux.LedgerSnapshot;
import io.vmqos.linux.RepairResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code vmqos doctor}: checks kernel support, privileges, debugfs, the cgroup version, capacity and the ledger;
 * with {@code --repair}, repairs a leaked ledger. Exit 0 when everything is fine (after repair), 1 otherwise.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check that this host can run vmqos (kernel, privileges, debugfs, cgroups, capacity, ledger leak).")
final class DoctorCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--repair", description = "Repair a leaked deadline ledger by rebuilding root domains.") boolean repair;
    @Mixin CommonOptions common;
    @Mixin LockOptions lock;

    /** One check's outcome. */
    record Check(String name, boolean ok, String detail, String fix) {}

    @Override
    public Integer call() {
        Host host = Host.open(common);
        List<Check> checks = new ArrayList<>();
        boolean dl = host.params().deadlineSupported();
        checks.add(new Check("kernel", dl, System.getProperty("os.name") + " " + System.getProperty("os.version")
                + (dl ? ", SCHED_DEADLINE supported" : ", no SCHED_DEADLINE sysctls"), dl ? "" : "use a Linux kernel built with SCHED_DEADLINE (3.14+)"));
        boolean root = isRoot();
        checks.add(new Check("privileges", root, root ? "running as root" : "not root",
                root ? "" : "run as root (sched_setattr needs CAP_SYS_NICE; the ledger needs debugfs)"));
        String debug;
        boolean debugOk;
        try {
            new DebugFs().ensureMounted();
            debugOk = true;
            debug = "mounted at " + DebugFs.DEFAULT_MOUNT;
        } catch (RuntimeException e) {
            debugOk = false;
            debug = e.getMessage();
        }
        checks.add(new Check("debugfs", debugOk, debug, debugOk ? "" : "mount -t debugfs none /sys/kernel/debug"));
        Optional<CpusetHierarchy> cs = CpusetHierarchy.locate();
        checks.add(new Check("cgroups", cs.isPresent(), cs.map(c -> "cpuset on cgroup v" + c.version() + " at " + c.root()).orElse("no cpuset hierarchy mounted"),
                cs.isPresent() ? "" : "mount a cpuset hierarchy (cgroup v1 cpuset or v2 with +cpuset) so vmqos can rebuild root domains"));
        long rt = host.params().rtRuntimeUs(), rp = host.params().rtPeriodUs();
        int cpus = Runtime.getRuntime().availableProcessors();
        var lim = host.limits();
        checks.add(new Check("capacity", rt != 0,
                (rt < 0 ? "unlimited" : String.format("%.1f%% of each CPU", 100.0 * rt / rp)) + " x " + cpus + " CPUs; periods "
                        + Durations.format(lim.periodMinNs()) + ".." + Durations.format(lim.periodMaxNs()) + "; host reserve "
                        + Math.round(host.hostReserve() * 100) + "%",
                rt != 0 ? "" : "sched_rt_runtime_us is 0: no deadline bandwidth; set /proc/sys/kernel/sched_rt_runtime_us to 950000"));
        Map<String, Object> result = new LinkedHashMap<>();
        RepairResult repaired = null;
        if (debugOk && root) {
            LedgerSnapshot s;
            try (var held = repair ? lock.acquire(spec) : null) { // only a repair changes the host
                s = host.deadlineLedger().read();
                if ((s.leaked() || s.underCounted()) && repair) {
                    repaired = host.deadlineLedger().repair();
                    s = repaired.after();
                }
            }
            boolean leaked = s.leaked() || s.underCounted();
            checks.add(new Check("ledger", !leaked, s.describe().replace("\n", "; ")
                    + (repaired != null ? "; repaired by " + repaired.method() : ""),
                    leaked ? (repair ? "the rebuild did not clear it: release DEADLINE threads and retry" : "run: vmqos doctor --repair") : ""));
        }
        boolean allOk = checks.stream().allMatch(Check::ok);
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            result.put("ok", allOk);
            result.put("checks", checks);
            Json.print(out, result);
        } else {
            for (Check c : checks) {
                out.printf("%-4s %-11s %s%n", c.ok() ? "ok" : "FAIL", c.name(), c.detail());
                if (!c.fix().isEmpty()) out.printf("     %-11s fix: %s%n", "", c.fix());
            }
            out.flush();
        }
        return allOk ? Main.DONE : Main.REFUSED;
    }

    static boolean isRoot() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("Uid:")) return l.split("\\s+")[2].equals("0");
            }
        } catch (Exception ignored) {
            // fall through
        }
        return false;
    }
}
