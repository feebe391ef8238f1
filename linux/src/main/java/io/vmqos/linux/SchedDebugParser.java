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
        // jumps from header to header: the ledger is ~10 lines of a text of hundreds (every runnable task), read on
        // each release
        for (int at = headerAt(text, 0); at >= 0; ) {
            int eol = lineEnd(text, at);
            int close = text.indexOf(']', at);
            if (close < 0 || close > eol) throw new IllegalArgumentException("sched/debug: malformed header '" + text.substring(at, eol) + "'");
            int cpu = Integer.parseInt(text.substring(at + HEADER.length(), close).strip());
            long bw = Long.MIN_VALUE, total = Long.MIN_VALUE;
            int pos = eol + 1;
            while (pos < text.length() && text.charAt(pos) == ' ') { // block ends at a blank line or an unindented header
                int end = lineEnd(text, pos);
                String line = text.substring(pos, end);
                String s = line.strip();
                if (s.isEmpty()) break;
                pos = end + 1;
                int colon = s.indexOf(':');
                if (colon < 0) continue;
                String key = s.substring(0, colon).strip();
                if (key.equals(BW)) bw = parseLong(s.substring(colon + 1), line);
                else if (key.equals(TOTAL)) total = parseLong(s.substring(colon + 1), line);
            }
            out.put(cpu, finish(cpu, bw, total));
            at = headerAt(text, pos);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("sched/debug has no dl_rq[N] block; is this the text of "
                    + "/sys/kernel/debug/sched/debug (or /proc/sched_debug on kernels before 5.13)?");
        }
        return Collections.unmodifiableSortedMap(out);
    }

    /** Where the next line that starts with {@link #HEADER} starts, from {@code from} (a line start) on; -1: none. */
    private static int headerAt(String text, int from) {
        if (text.startsWith(HEADER, from)) return from;
        int i = text.indexOf("\n" + HEADER, from);
        return i < 0 ? -1 : i + 1;
    }

    private static int lineEnd(String text, int from) {
        int i = text.indexOf('\n', from);
        return i < 0 ? text.length() : i;
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
