package io.vmqos.lab.report;

import io.vmqos.lab.load.LoadResult;
import io.vmqos.lab.load.TimeBucket;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.List;

/**
 * The report's two charts, built with JFreeChart (headless):
 * <ul>
 *   <li>{@link #percentileChart}: HdrHistogram-style percentile distribution — x: percentile on a
 *       {@code 1/(1-p)} log scale (50%, 90%, 99%, 99.9%, ...), y: latency in µs (log), one line per scenario from
 *       all its rounds merged; dashed lines mark guaranteed bounds.</li>
 *   <li>{@link #timelineChart}: p99 latency per time bucket over the run for each scenario's median round
 *       (gaps = buckets without any reply).</li>
 * </ul>
 * Pure builders plus {@link #writePng}; call from one thread.
 */
public final class LatencyCharts {
    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};

    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private LatencyCharts() {}

    public static JFreeChart percentileChart(List<ScenarioResult> scenarios) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (ScenarioResult s : scenarios) data.addSeries(percentileSeries(s.name(), s.mergedLatency()));
        LogAxis x = new LogAxis("percentile");
        x.setBase(10);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new PercentileFormat());
        x.setSmallestValue(1);
        XYPlot plot = plot(data, x, latencyAxis(data));
        addBoundMarkers(plot, scenarios);
        return chart("UDP echo latency by percentile (all rounds)", plot);
    }

    public static JFreeChart timelineChart(List<ScenarioResult> scenarios) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (ScenarioResult s : scenarios) {
            LoadResult round = s.medianRound();
            XYSeries series = new XYSeries(s.name(), false, true);
            for (TimeBucket b : round.timeline()) {
                series.add(b.startOffsetNanos() / 1e9, b.count() == 0 ? null : (Number) (b.p99Nanos() / 1e3));
            }
            data.addSeries(series);
        }
        NumberAxis x = new NumberAxis("time since start (s)");
        x.setAutoRangeIncludesZero(true);
        XYPlot plot = plot(data, x, latencyAxis(data));
        addBoundMarkers(plot, scenarios);
        long bucket = scenarios.isEmpty() || scenarios.getFirst().medianRound().timeline().size() < 2 ? 0
                : scenarios.getFirst().medianRound().timeline().get(1).startOffsetNanos();
        return chart("p99 latency per " + (bucket > 0 ? io.vmqos.core.Durations.format(bucket) : "bucket") + " (median round)", plot);
    }

    /** Writes {@code chart} as a PNG of {@code width x height} pixels. */
    public static void writePng(JFreeChart chart, Path file, int width, int height) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }

    private static XYSeries percentileSeries(String name, Histogram h) {
        XYSeries series = new XYSeries(name, false, true);
        long count = h.getTotalCount();
        if (count == 0) return series;
        for (HistogramIterationValue v : h.percentiles(5)) {
            double level = v.getPercentileLevelIteratedTo() / 100;
            if (level >= 1) break;
            series.add(1 / (1 - level), v.getValueIteratedTo() / 1e3);
        }
        // 100% sits at infinity on this scale: draw the max at 1 - 1/count, where the last sample lives
        series.add(Math.max(count, 2), h.getMaxValue() / 1e3);
        return series;
    }

    /** Log µs axis ticked at powers of two (1, 2, 4, ... 1,024) over up to 4 decades, else at powers of ten. */
    private static LogAxis latencyAxis(XYSeriesCollection data) {
        LogAxis y = new LogAxis("latency (µs)");
        y.setBase(10);
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (int i = 0; i < data.getSeriesCount(); i++) {
            XYSeries series = data.getSeries(i);
            for (int j = 0; j < series.getItemCount(); j++) {
                Number v = series.getY(j);
                if (v == null || v.doubleValue() <= 0) continue;
                lo = Math.min(lo, v.doubleValue());
                hi = Math.max(hi, v.doubleValue());
            }
        }
        boolean narrow = hi == 0 || Math.log10(hi / lo) <= 4;
        y.setTickUnit(new NumberTickUnit(narrow ? Math.log10(2) : 1));
        y.setSmallestValue(0.1);
        y.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
        return y;
    }

    private static XYPlot plot(XYSeriesCollection data, org.jfree.chart.axis.ValueAxis x, org.jfree.chart.axis.ValueAxis y) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        return plot;
    }

    private static void addBoundMarkers(XYPlot plot, List<ScenarioResult> scenarios) {
        for (int i = 0; i < scenarios.size(); i++) {
            Long bound = scenarios.get(i).guaranteedBoundNanos();
            if (bound == null) continue;
            ValueMarker marker = new ValueMarker(bound / 1e3, PALETTE[i % PALETTE.length],
                    new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
            marker.setLabel("bound " + scenarios.get(i).name() + " " + Fmt.latency(bound));
            marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            marker.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
            marker.setLabelPaint(PALETTE[i % PALETTE.length]);
            plot.addRangeMarker(marker);
        }
    }

    private static JFreeChart chart(String title, XYPlot plot) {
        JFreeChart chart = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 16), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Tick label for x = 1/(1-p): 1 → 0%, 10 → 90%, 1000 → 99.9%. */
    private static final class PercentileFormat extends NumberFormat {
        @Override
        public StringBuffer format(double number, StringBuffer to, FieldPosition pos) {
            double percentile = 100 * (1 - 1 / number);
            String text = new java.math.BigDecimal(percentile).round(new java.math.MathContext(8))
                    .stripTrailingZeros().toPlainString();
            return to.append(text).append('%');
        }

        @Override
        public StringBuffer format(long number, StringBuffer to, FieldPosition pos) {
            return format((double) number, to, pos);
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            throw new UnsupportedOperationException("display only");
        }
    }
}
