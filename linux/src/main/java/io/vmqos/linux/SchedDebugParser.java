package io.vmqos.linux;

import io.vmqos.core.CpuBandwidth;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Extracts the DEADLINE bandwidth ledger from the text of {@code /sys/kernel/debug/sched/debug}: for every
 * {@code dl_rq[N]:} block its {@code .dl_bw->bw} and {@code .dl_bw->total_bw}. Pure function over the text,
 * thread-safe, allocation proportional to the number of CPUs.
 *
 * <p>The format has been stable since Linux 3.14 ({@code dl_rq[N]:} followed by indented {@code .key : value}
 * lines, block ended by a blank line or the next unindented header); unknown keys in the block are ignored.
 */
public final class SchedDebugParser {
    private static final String HEADER = "dl_rq[";
    private static final String BW = ".dl_bw->bw";
    private static final String TOTAL = ".dl_bw->total_bw";

    private SchedDebugParser() {}

    /**
     * Parses every {@code dl_rq[N]} block, keyed and sorted by CPU.
     *
     * @throws IllegalArgumentException when no block is found, or a block lacks one of the two values; the
     *     message says what the kernel printed instead
     */
    public static SortedMap<Integer, CpuDlBandwidth> parse(String text) {
        TreeMap<Integer, CpuDlBandwidth> out = new TreeMap<>();
        int cpu = -1;
        long bw = Long.MIN_VALUE, total = Long.MIN_VALUE;
        for (String line : text.split("\n", -1)) {
            if (line.startsWith(HEADER)) {
                if (cpu >= 0) out.put(cpu, finish(cpu, bw, total));
                int close = line.indexOf(']');
                if (close < 0) throw new IllegalArgumentException("sched/debug: malformed header '" + line + "'");
                cpu = Integer.parseInt(line.substring(HEADER.length(), close).strip());
                bw = total = Long.MIN_VALUE;
                continue;
            }
            if (cpu < 0) continue;
            String s = line.strip();
            if (s.isEmpty() || !line.startsWith(" ")) { // block ends at a blank line or an unindented header
                out.put(cpu, finish(cpu, bw, total));
                cpu = -1;
                continue;
            }
            int colon = s.indexOf(':');
            if (colon < 0) continue;
            String key = s.substring(0, colon).strip();
            if (key.equals(BW)) bw = parseLong(s.substring(colon + 1), line);
            else if (key.equals(TOTAL)) total = parseLong(s.substring(colon + 1), line);
        }
        if (cpu >= 0) out.put(cpu, finish(cpu, bw, total));
        if (out.isEmpty()) {
            throw new IllegalArgumentException("sched/debug has no dl_rq[N] block; is this the text of "
                    + "/sys/kernel/debug/sched/debug (or /proc/sched_debug on kernels before 5.13)?");
        }
        return Collections.unmodifiableSortedMap(out);
    }

    private static CpuDlBandwidth finish(int cpu, long bw, long total) {
        if (bw == Long.MIN_VALUE || total == Long.MIN_VALUE) {
            throw new IllegalArgumentException("sched/debug: dl_rq[" + cpu + "] lacks " + (bw == Long.MIN_VALUE ? BW : TOTAL)
                    + "; this kernel prints the deadline ledger differently (needs CONFIG_SMP)");
        }
        return new CpuDlBandwidth(cpu, CpuBandwidth.ofKernelUnits(bw), CpuBandwidth.ofKernelUnits(total));
    }

    private static long parseLong(String value, String line) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("sched/debug: '" + line.strip() + "' has no integer value", e);
        }
    }
}
