package io.vmqos.lab.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vmqos.lab.report.HtmlPage;
import io.vmqos.lab.report.LatencyCharts;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The fleet simulation's report: {@code results.json}, {@code fleet.png} (CPU reserved and VMs placed per alternative)
 * and {@code index.html} with the same table the console prints. Stateless.
 */
public final class FleetReport {
    public static final String RESULTS_JSON = "results.json", CHART_PNG = "fleet.png", INDEX_HTML = "index.html";
    static final List<String> HEADERS = List.of("alternative", "VMs placed", "SLA broken", "CPU reserved (placed)", "CPU reserved (all VMs)",
            "hosts used", "their CPUs");

    private FleetReport() {}

    /** The table: one row per alternative. */
    static List<List<String>> rows(FleetResult r) {
        List<List<String>> out = new ArrayList<>();
        for (FleetResult.Alternative a : r.alternatives()) {
            out.add(List.of(a.name(), a.placed() + " (" + pct(a.placed() / (double) r.vms()) + ")", a.slaBroken() < 0 ? "-" : Integer.toString(a.slaBroken()),
                    cpus(a.cpusReservedPlaced()), cpus(a.cpusReservedAll()), Integer.toString(a.hostsUsed()), Integer.toString(a.cpusOfHostsUsed())));
        }
        return out;
    }

    /** The lines above the table: the run, the fleet, the share admitted and the placement rate. */
    static List<String> summary(FleetResult r) {
        return List.of(
                r.vms() + " VMs on " + r.hosts() + " hosts (" + r.cpus() + " CPUs), seed " + r.seed() + ", cost model " + r.costModel() + ", placed through " + r.fleet(),
                "vmqos admitted " + pct(r.admittedShare()) + " of the VMs (" + r.sizingRefused() + " asked for nothing: no reservation meets their SLA; "
                        + r.refusedByHost() + " times a host's own admission refused what Placement gave it: retried on an alternate, the host republishing its room "
                        + r.republished() + " times)",
                String.format(Locale.ROOT, "placements: %.1f per second (%d hosts registered in %.1f s)", r.placementsPerSecond(), r.hosts(), r.registerSeconds()));
    }

    /** Prints the summary and the table. */
    public static void print(PrintWriter out, FleetResult r) {
        summary(r).forEach(out::println);
        List<List<String>> rows = new ArrayList<>(rows(r));
        rows.addFirst(HEADERS);
        int[] w = new int[HEADERS.size()];
        for (List<String> row : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], row.get(i).length());
        for (List<String> row : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < w.length; i++) b.append(i == 0 ? String.format("%-" + w[i] + "s", row.get(i)) : String.format("  %" + w[i] + "s", row.get(i)));
            out.println(b.toString().stripTrailing());
        }
        out.flush();
    }

    /** Writes the report into {@code dir} (created if needed); the path of its index.html. */
    public static Path write(Path dir, FleetResult r) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(RESULTS_JSON).toFile(), r);
        LatencyCharts.writePng(chart(r), dir.resolve(CHART_PNG), 1000, 600);
        StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>vmqos fleet simulation</title>\n"
                + "<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}th,td{padding:.3em .8em;"
                + "border-bottom:1px solid #ddd;text-align:right}th:first-child,td:first-child{text-align:left}img{max-width:100%;margin:1em 0}</style>"
                + "</head><body>\n<h1>vmqos: placing VMs by deadline bandwidth</h1>\n");
        for (String line : summary(r)) h.append("<p>").append(HtmlPage.escape(line)).append("</p>\n");
        h.append("<table>\n<tr>");
        for (String c : HEADERS) h.append("<th>").append(HtmlPage.escape(c)).append("</th>");
        h.append("</tr>\n");
        for (List<String> row : rows(r)) {
            h.append("<tr>");
            for (String c : row) h.append("<td>").append(HtmlPage.escape(c)).append("</td>");
            h.append("</tr>\n");
        }
        h.append("</table>\n<ul>\n");
        for (FleetResult.Alternative a : r.alternatives()) h.append("<li><b>").append(HtmlPage.escape(a.name())).append("</b>: ").append(HtmlPage.escape(a.note())).append("</li>\n");
        h.append("</ul>\n<img src=\"").append(CHART_PNG).append("\" alt=\"CPU reserved and VMs placed per alternative\">\n<p>Raw data: <a href=\"")
                .append(RESULTS_JSON).append("\">").append(RESULTS_JSON).append("</a></p>\n</body></html>\n");
        Path index = dir.resolve(INDEX_HTML);
        Files.writeString(index, h);
        return index;
    }

    static JFreeChart chart(FleetResult r) {
        DefaultCategoryDataset d = new DefaultCategoryDataset();
        for (FleetResult.Alternative a : r.alternatives()) {
            d.addValue(a.cpusReservedAll(), "CPU reserved for all " + r.vms() + " VMs", a.name());
            d.addValue(a.placed(), "VMs placed on the " + r.hosts() + " hosts", a.name());
            d.addValue(Math.max(0, a.slaBroken()), "VMs placed where their SLA cannot hold", a.name());
        }
        JFreeChart c = ChartFactory.createBarChart("Same " + r.vms() + " VMs, " + r.hosts() + " hosts (" + r.cpus() + " CPUs)", "", "CPUs / VMs", d,
                PlotOrientation.VERTICAL, true, false, false);
        c.setBackgroundPaint(Color.WHITE);
        return c;
    }

    private static String cpus(double v) { return String.format(Locale.ROOT, "%.1f", v); }

    private static String pct(double v) { return String.format(Locale.ROOT, "%.1f%%", v * 100); }
}
