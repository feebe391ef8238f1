package io.vmqos.lab.load;

import org.HdrHistogram.Histogram;

import java.util.List;

/**
 * Outcome of one {@link UdpLoadGenerator} run; a plain value that Jackson writes and reads as JSON
 * ({@link LoadJson}).
 *
 * <p>Two latencies per reply (see {@link UdpLoadGenerator} for why):
 * <ul>
 *   <li>{@code latency}: reply arrival minus <em>actual</em> send time — the round trip through network, host
 *       and VM. This is the headline figure.</li>
 *   <li>{@code intendedLatency}: reply arrival minus <em>intended</em> (scheduled) send time — additionally
 *       charges the generator's own send delays (coordinated-omission-corrected response time). When it is far
 *       above {@code latency} the load generator itself was starved and the run is suspect.</li>
 * </ul>
 *
 * @param target {@code ip:port} the run was sent to
 * @param mode PACED or BULK
 * @param ratePerSecond requested rate (0 = unlimited BULK)
 * @param sizeBytes UDP payload bytes per request
 * @param durationNanos requested sending duration
 * @param requests requests handed to the kernel
 * @param replies distinct requests whose echo came back before the reply deadline
 * @param lost {@code requests - replies}
 * @param duplicates echoes of an already answered request (not counted in replies)
 * @param errors send failures and ICMP errors (e.g. port unreachable) seen on the socket
 * @param elapsedNanos from the first intended send to the later of last send and last reply
 * @param repliesPerSecond {@code replies / elapsed}
 * @param echoedBitsPerSecond UDP payload bits echoed back per second ({@code replies * size * 8 / elapsed});
 *     excludes IP/UDP/Ethernet headers
 * @param maxSendLagNanos PACED: the latest any request left after its intended time
 * @param latency from actual send time
 * @param intendedLatency from intended send time (equal to latency in BULK, which has no schedule)
 * @param timeline per-bucket latency (from actual send), bucketed by reply arrival time
 * @param latencyHistogram {@code latency}'s histogram, {@link HistogramCodec} base64
 * @param intendedLatencyHistogram {@code intendedLatency}'s histogram, {@link HistogramCodec} base64
 */
public record LoadResult(String target, LoadMode mode, long ratePerSecond, int sizeBytes, long durationNanos,
                         long requests, long replies, long lost, long duplicates, long errors,
                         long elapsedNanos, double repliesPerSecond, double echoedBitsPerSecond, long maxSendLagNanos,
                         LatencySummary latency, LatencySummary intendedLatency, List<TimeBucket> timeline,
                         String latencyHistogram, String intendedLatencyHistogram) {
    public LoadResult {
        timeline = List.copyOf(timeline);
    }

    /** {@code lost / requests}, 0 when nothing was sent. */
    public double lossRatio() { return requests == 0 ? 0 : lost / (double) requests; }

    /** Decodes {@link #latencyHistogram()} (a fresh copy on each call). */
    public Histogram decodeLatencyHistogram() { return HistogramCodec.decode(latencyHistogram); }

    /** Decodes {@link #intendedLatencyHistogram()} (a fresh copy on each call). */
    public Histogram decodeIntendedLatencyHistogram() { return HistogramCodec.decode(intendedLatencyHistogram); }
}
