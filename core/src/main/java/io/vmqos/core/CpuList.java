package io.vmqos.core;

import java.util.BitSet;

/**
 * The kernel's CPU list format ({@code 0-3,5,7-8}), as in {@code /sys/devices/system/cpu/online} and
 * {@code cpuset.cpus}. Pure and thread-safe.
 */
public final class CpuList {
    private CpuList() {}

    /**
     * Parses a CPU list; blank text is the empty set.
     *
     * @throws IllegalArgumentException naming the text when it is not a CPU list
     */
    public static BitSet parse(String text) {
        BitSet cpus = new BitSet();
        String t = text == null ? "" : text.strip();
        if (t.isEmpty()) return cpus;
        for (String part : t.split(",")) {
            String p = part.strip();
            int dash = p.indexOf('-');
            try {
                if (dash < 0) {
                    cpus.set(Integer.parseInt(p));
                } else {
                    int from = Integer.parseInt(p.substring(0, dash));
                    int to = Integer.parseInt(p.substring(dash + 1));
                    if (to < from) throw new IllegalArgumentException("CPU range '" + p + "' runs backwards in '" + t + "'");
                    cpus.set(from, to + 1);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + t + "' is not a CPU list like 0-3,5", e);
            }
        }
        return cpus;
    }

    /** Formats a CPU set in the kernel's compact form: {0,1,2,5} → {@code 0-2,5}; empty → "". */
    public static String format(BitSet cpus) {
        StringBuilder sb = new StringBuilder();
        int i = cpus.nextSetBit(0);
        while (i >= 0) {
            int end = cpus.nextClearBit(i) - 1;
            if (!sb.isEmpty()) sb.append(',');
            sb.append(i);
            if (end > i) sb.append('-').append(end);
            i = cpus.nextSetBit(end + 1);
        }
        return sb.toString();
    }
}
