package io.vmqos.lab.report;

import java.util.Locale;

/** Short human formats for report cells. Pure. */
final class Fmt {
    private Fmt() {}

    /** 850ns, 23.4us, 1.25ms, 2.00s */
    static String latency(long nanos) {
        if (nanos < 1_000) return nanos + "ns";
        if (nanos < 1_000_000) return String.format(Locale.ROOT, "%.1fus", nanos / 1e3);
        if (nanos < 1_000_000_000) return String.format(Locale.ROOT, "%.2fms", nanos / 1e6);
        return String.format(Locale.ROOT, "%.2fs", nanos / 1e9);
    }

    static String percent(double ratio) { return String.format(Locale.ROOT, "%.2f%%", ratio * 100); }

    static String mbits(double bitsPerSecond) { return String.format(Locale.ROOT, "%.2f", bitsPerSecond / 1e6); }

    static String rate(double perSecond) { return String.format(Locale.ROOT, "%.0f", perSecond); }

    /** {@code x2.31} for value / baseline; empty when there is no meaningful ratio. */
    static String ratio(double value, double baseline) {
        if (baseline <= 0 || Double.isNaN(value)) return "";
        return String.format(Locale.ROOT, "x%.2f", value / baseline);
    }
}
