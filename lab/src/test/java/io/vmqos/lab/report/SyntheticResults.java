package io.vmqos.lab.report;

import io.vmqos.lab.load.HistogramCodec;
import io.vmqos.lab.load.LatencySummary;
import io.vmqos.lab.load.LoadMode;
import io.vmqos.lab.load.LoadResult;
import io.vmqos.lab.load.TimeBucket;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Deterministic fake LoadResults: log-normal latencies around a median, with optional stalls. */
final class SyntheticResults {
    private SyntheticResults() {}

    static LoadResult round(long seed, long medianNanos, double spread, double stallChance, long lost) {
        SplittableRandom random = new SplittableRandom(seed);
        Histogram h = new Histogram(10_000_000_000L, 3);
        List<TimeBucket> timeline = new ArrayList<>();
        int perBucket = 200;
        for (int b = 0; b < 50; b++) {
            Histogram bucket = new Histogram(10_000_000_000L, 2);
            boolean stall = random.nextDouble() < stallChance;
            for (int i = 0; i < perBucket; i++) {
                long v = (long) (medianNanos * Math.exp(spread * gaussian(random)));
                if (stall && i < 20) v += 2_000_000L + random.nextLong(3_000_000L);
                h.recordValue(v);
                bucket.recordValue(v);
            }
            timeline.add(new TimeBucket(b * 100_000_000L, perBucket, bucket.getValueAtPercentile(50),
                    bucket.getValueAtPercentile(99), bucket.getMaxValue()));
        }
        long replies = h.getTotalCount();
        long requests = replies + lost;
        String encoded = HistogramCodec.encode(h);
        return new LoadResult("10.213.0.2:7", LoadMode.PACED, 2000, 64, 5_000_000_000L, requests, replies, lost, 0, 0,
                5_000_000_000L, replies / 5.0, replies * 64 * 8 / 5.0, 10_000, LatencySummary.of(h), LatencySummary.of(h),
                timeline, encoded, encoded);
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
