package io.vmqos.lab.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The results table: one row per scenario with median p50, p99, p99.9, max latency, loss, replies/s and echoed
 * Mbit/s, each followed by its ratio to the {@value #BASELINE} scenario when there is one, and the scenario's
 * guaranteed bound (or {@code -}). Pure; the same cells feed the console and {@code index.html}.
 */
public final class ConsoleTable {
    /** Name of the scenario that ratios are relative to. */
    public static final String BASELINE = "isolated";
    public static final List<String> HEADERS =
            List.of("scenario", "rounds", "p50", "p99", "p99.9", "max", "loss", "replies/s", "Mbit/s", "bound");

    private ConsoleTable() {}

    /** Header of the bulk-throughput column, present when some scenario measured it (the flood scenarios). */
    public static final String BULK = "bulk Mbit/s";

    /** Header of the economy column: CPU reserved for the VM, CPU it used, and their ratio. */
    public static final String ECONOMY = "CPU reserved/used";

    /** {@link #HEADERS}, plus {@link #BULK} when some summary has a bulk throughput and {@link #ECONOMY} when some reserves. */
    public static List<String> headers(List<ScenarioSummary> summaries) {
        List<String> h = new ArrayList<>(HEADERS);
        if (summaries.stream().anyMatch(s -> s.bulkBitsPerSecond() != null)) h.add(h.size() - 1, BULK);
        if (summaries.stream().anyMatch(s -> s.reservedCpus() != null)) h.add(h.size() - 1, ECONOMY);
        return List.copyOf(h);
    }

    /** {@code 21.0%/17.8% (1.18x)}, or {@code -} when the scenario reserves nothing. */
    static String economy(ScenarioSummary s) {
        if (s.reservedCpus() == null) return "-";
        String used = s.usedCpus() == null ? "?" : Fmt.percent(s.usedCpus());
        return Fmt.percent(s.reservedCpus()) + "/" + used + (s.reservedOverUsed() == null ? "" : String.format(java.util.Locale.ROOT, " (%.2fx)", s.reservedOverUsed()));
    }

    /** Cells of each row, in {@link #headers} order. */
    public static List<List<String>> rows(List<ScenarioSummary> summaries) {
        Optional<ScenarioSummary> base = summaries.stream().filter(s -> s.name().equals(BASELINE)).findFirst();
        List<List<String>> rows = new ArrayList<>();
        boolean bulk = headers(summaries).contains(BULK), economy = headers(summaries).contains(ECONOMY);
        for (ScenarioSummary s : summaries) {
            List<String> row = new ArrayList<>(List.of(s.name(), Integer.toString(s.rounds()),
                    latency(s.p50Nanos(), base.map(ScenarioSummary::p50Nanos)),
                    latency(s.p99Nanos(), base.map(ScenarioSummary::p99Nanos)),
                    latency(s.p999Nanos(), base.map(ScenarioSummary::p999Nanos)),
                    latency(s.maxNanos(), base.map(ScenarioSummary::maxNanos)),
                    withRatio(Fmt.percent(s.lossRatio()), s.lossRatio(), base.map(ScenarioSummary::lossRatio)),
                    withRatio(Fmt.rate(s.repliesPerSecond()), s.repliesPerSecond(), base.map(ScenarioSummary::repliesPerSecond)),
                    withRatio(Fmt.mbits(s.echoedBitsPerSecond()), s.echoedBitsPerSecond(), base.map(ScenarioSummary::echoedBitsPerSecond)),
                    bound(s)));
            if (bulk) row.add(row.size() - 1, s.bulkBitsPerSecond() == null ? "-" : Fmt.mbits(s.bulkBitsPerSecond()));
            if (economy) row.add(row.size() - 1, economy(s));
            rows.add(row);
        }
        return rows;
    }

    /** A fixed-width text table with a header line, ready for stdout. */
    public static String render(List<ScenarioSummary> summaries) {
        List<List<String>> all = new ArrayList<>();
        all.add(headers(summaries));
        all.addAll(rows(summaries));
        int[] width = new int[all.get(0).size()];
        for (List<String> row : all) for (int i = 0; i < row.size(); i++) width[i] = Math.max(width[i], row.get(i).length());
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < all.size(); r++) {
            List<String> row = all.get(r);
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                if (i == 0) sb.append(cell).append(" ".repeat(width[i] - cell.length()));
                else sb.append("  ").append(" ".repeat(width[i] - cell.length())).append(cell);
            }
            sb.append('\n');
            if (r == 0) {
                int total = 0;
                for (int w : width) total += w + 2;
                sb.append("-".repeat(total - 2)).append('\n');
            }
        }
        return sb.toString();
    }

    private static String latency(long nanos, Optional<Long> base) {
        return withRatio(Fmt.latency(nanos), nanos, base.map(Long::doubleValue));
    }

    private static String withRatio(String text, double value, Optional<? extends Number> base) {
        String ratio = base.map(b -> Fmt.ratio(value, b.doubleValue())).orElse("");
        return ratio.isEmpty() ? text : text + " (" + ratio + ")";
    }

    private static String bound(ScenarioSummary s) {
        if (s.guaranteedBoundNanos() == null) return "-";
        return Fmt.latency(s.guaranteedBoundNanos()) + (Boolean.TRUE.equals(s.boundHeld())
                ? (Boolean.TRUE.equals(s.maxWithinBound()) ? " held" : " held@p99.9") : " EXCEEDED");
    }
}
