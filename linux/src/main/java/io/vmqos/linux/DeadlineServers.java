package io.vmqos.linux;

import java.nio.file.AccessDeniedException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reads the deadline servers' reservations from debugfs ({@code sched/fair_server/cpuN/{runtime,period}} and
 * {@code sched/ext_server/...} where the kernel has it).
 *
 * <p>Kernel lockdown (integrity mode) makes debugfs refuse these files (they are writable), while
 * {@code sched/debug} stays readable. Then fair_server is assumed at the kernel default 50ms/1s
 * ({@code ServerBandwidth.assumed()} is true) and an unreadable ext_server is left out with a warning. Stateless;
 * any thread.
 */
public final class DeadlineServers {
    /** The kernel's default fair server: 50ms every 1s (kernel/sched/deadline.c, sched_init_dl_servers). */
    public static final long DEFAULT_RUNTIME_NS = 50_000_000L;
    public static final long DEFAULT_PERIOD_NS = 1_000_000_000L;

    private static final String FAIR = "fair_server";
    private static final String EXT = "ext_server";

    /** The servers found plus what could not be read, for the snapshot's warnings. */
    public record Result(List<ServerBandwidth> servers, List<String> warnings) {}

    private DeadlineServers() {}

    /** Reads every server of the given CPUs. */
    public static Result read(DebugFs fs, BitSet cpus) {
        List<ServerBandwidth> out = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        boolean hasExt = fs.hasServer(EXT);
        boolean fairDenied = false, extDenied = false;
        for (int cpu = cpus.nextSetBit(0); cpu >= 0; cpu = cpus.nextSetBit(cpu + 1)) {
            try {
                readOne(fs, FAIR, cpu, out);
            } catch (AccessDeniedException e) {
                fairDenied = true;
                out.add(new ServerBandwidth(cpu, FAIR, DEFAULT_RUNTIME_NS, DEFAULT_PERIOD_NS, true));
            }
            if (hasExt) {
                try {
                    readOne(fs, EXT, cpu, out);
                } catch (AccessDeniedException e) {
                    extDenied = true;
                }
            }
        }
        if (fairDenied) {
            warnings.add("debugfs refuses sched/fair_server/*/{runtime,period} (kernel lockdown?); assumed the kernel "
                    + "default 50ms/1s per CPU");
        }
        if (extDenied) {
            warnings.add("debugfs refuses sched/ext_server/*; its bandwidth is not counted and may show as unaccounted");
        }
        return new Result(List.copyOf(out), List.copyOf(warnings));
    }

    private static void readOne(DebugFs fs, String server, int cpu, List<ServerBandwidth> out) throws AccessDeniedException {
        OptionalLong runtime = fs.readServerValue(server, cpu, "runtime");
        OptionalLong period = fs.readServerValue(server, cpu, "period");
        if (runtime.isPresent() && period.isPresent()) {
            out.add(new ServerBandwidth(cpu, server, runtime.getAsLong(), period.getAsLong(), false));
        }
    }
}
