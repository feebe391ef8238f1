package io.vmqos.lab.report;

import java.util.List;

/** The report's {@code index.html}: title, results table (same cells as {@link ConsoleTable}) and the charts. */
public final class HtmlPage {
    private HtmlPage() {}

    static String render(String generatedAt, List<ScenarioSummary> summaries) {
        StringBuilder h = new StringBuilder(4096);
        h.append("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>vmqos demo report</title>
                <style>
                body{font-family:sans-serif;margin:2em;color:#222}
                table{border-collapse:collapse}th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:right}
                th:first-child,td:first-child{text-align:left}img{max-width:100%;margin:1em 0}
                </style></head><body>
                <h1>vmqos: UDP echo latency under a noisy neighbour</h1>
                """);
        h.append("<p>Generated ").append(escape(generatedAt)).append(". Figures are medians over rounds; ratios (x) are relative to the <code>")
                .append(ConsoleTable.BASELINE).append("</code> scenario. Latency is measured from the actual send time.</p>\n");
        h.append("<table>\n<tr>");
        for (String header : ConsoleTable.headers(summaries)) h.append("<th>").append(escape(header)).append("</th>");
        h.append("</tr>\n");
        for (List<String> row : ConsoleTable.rows(summaries)) {
            h.append("<tr>");
            for (String cell : row) h.append("<td>").append(escape(cell)).append("</td>");
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        h.append("<h2>Latency by percentile</h2>\n<img src=\"").append(ReportWriter.PERCENTILES_PNG)
                .append("\" alt=\"latency by percentile per scenario\">\n");
        h.append("<h2>Latency over time</h2>\n<img src=\"").append(ReportWriter.TIMELINE_PNG)
                .append("\" alt=\"p99 latency over time per scenario\">\n");
        h.append("<p>Raw data: <a href=\"").append(ReportWriter.RESULTS_JSON).append("\">")
                .append(ReportWriter.RESULTS_JSON).append("</a></p>\n</body></html>\n");
        return h.toString();
    }

    /** {@code s} safe in HTML text and attribute values. */
    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
