package io.vmqos.lab.load;

import io.vmqos.core.Durations;
import io.vmqos.core.InvalidInputException;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One load run for {@link UdpLoadGenerator}. Immutable; the constructor validates and names the offending
 * command-line option ({@code --rate}, {@code --size}, ...) in its {@link InvalidInputException}.
 *
 * @param target where the echo server listens
 * @param mode {@link LoadMode#PACED} (open loop at {@code ratePerSecond}) or {@link LoadMode#BULK}
 * @param ratePerSecond requests per second; required (> 0) for PACED, optional cap for BULK (0 = unlimited)
 * @param sizeBytes UDP payload bytes per request, {@value RequestPayload#HEADER_BYTES}..{@value RequestPayload#MAX_UDP_PAYLOAD}
 * @param durationNanos how long to send
 * @param replyTimeoutNanos how long after the last send to wait for outstanding replies; later ones are lost
 * @param window BULK: maximum requests outstanding; ignored by PACED
 * @param bucketNanos width of one latency-over-time bucket
 */
public record LoadSpec(InetSocketAddress target, LoadMode mode, long ratePerSecond, int sizeBytes,
                       long durationNanos, long replyTimeoutNanos, int window, long bucketNanos) {
    public static final long DEFAULT_REPLY_TIMEOUT_NANOS = 1_000_000_000L;
    public static final long DEFAULT_BUCKET_NANOS = 100_000_000L;
    public static final int DEFAULT_WINDOW = 64;
    /** Above this the pacing interval is below 1 µs and no longer meaningful for a single sender thread. */
    public static final long MAX_RATE = 1_000_000L;

    public LoadSpec {
        if (target == null) throw new InvalidInputException("--target", "is missing", "give host:port, e.g. 10.213.0.2:7");
        if (target.isUnresolved()) {
            throw new InvalidInputException("--target", "unknown host '" + target.getHostString() + "'",
                    "give an IP address or a resolvable host name");
        }
        if (mode == null) throw new InvalidInputException("--mode", "is missing", "use paced or bulk");
        if (mode == LoadMode.PACED && ratePerSecond <= 0) {
            throw new InvalidInputException("--rate", ratePerSecond + " requests/s is not positive",
                    "give a rate > 0, e.g. --rate 2000");
        }
        if (ratePerSecond < 0) {
            throw new InvalidInputException("--rate", ratePerSecond + " requests/s is negative",
                    "give a rate > 0, or 0 for an unlimited bulk run");
        }
        if (ratePerSecond > MAX_RATE) {
            throw new InvalidInputException("--rate", ratePerSecond + " requests/s is above " + MAX_RATE,
                    "use --mode bulk for maximum throughput");
        }
        if (sizeBytes < RequestPayload.HEADER_BYTES) {
            throw new InvalidInputException("--size", sizeBytes + " bytes cannot hold the " + RequestPayload.HEADER_BYTES
                    + "-byte header (sequence, timestamp)", "give --size >= " + RequestPayload.HEADER_BYTES);
        }
        if (sizeBytes > RequestPayload.MAX_UDP_PAYLOAD) {
            throw new InvalidInputException("--size", sizeBytes + " bytes exceeds the largest UDP payload",
                    "give --size <= " + RequestPayload.MAX_UDP_PAYLOAD);
        }
        if (durationNanos <= 0) {
            throw new InvalidInputException("--duration", "must be positive", "give e.g. --duration 10s");
        }
        if (replyTimeoutNanos <= 0) {
            throw new InvalidInputException("--timeout", "must be positive", "give e.g. --timeout 1s");
        }
        if (mode == LoadMode.BULK && window <= 0) {
            throw new InvalidInputException("--window", window + " is not positive", "give e.g. --window 64");
        }
        if (bucketNanos < 1_000_000L) {
            throw new InvalidInputException("--bucket", "must be at least 1ms", "give e.g. --bucket 100ms");
        }
        if (mode == LoadMode.PACED && totalRequests(ratePerSecond, durationNanos) < 1) {
            throw new InvalidInputException("--duration", "sends no request at " + ratePerSecond + "/s",
                    "give a longer --duration or a higher --rate");
        }
    }

    /** An open-loop run with the default 1 s reply timeout and 100 ms buckets. */
    public static LoadSpec paced(InetSocketAddress target, long ratePerSecond, int sizeBytes, long durationNanos) {
        return new LoadSpec(target, LoadMode.PACED, ratePerSecond, sizeBytes, durationNanos,
                DEFAULT_REPLY_TIMEOUT_NANOS, DEFAULT_WINDOW, DEFAULT_BUCKET_NANOS);
    }

    /** A throughput run keeping {@code window} requests outstanding, uncapped. */
    public static LoadSpec bulk(InetSocketAddress target, int sizeBytes, long durationNanos, int window) {
        return new LoadSpec(target, LoadMode.BULK, 0, sizeBytes, durationNanos,
                DEFAULT_REPLY_TIMEOUT_NANOS, window, DEFAULT_BUCKET_NANOS);
    }

    /** PACED: number of requests the run sends, {@code floor(rate * duration)}. */
    public long pacedRequests() { return totalRequests(ratePerSecond, durationNanos); }

    /** Intended send time of request {@code sequence} relative to the start, exact and drift-free. */
    public long intendedOffsetNanos(long sequence) {
        return sequence <= Long.MAX_VALUE / 1_000_000_000L
                ? sequence * 1_000_000_000L / ratePerSecond
                : (long) (sequence * 1e9 / ratePerSecond);
    }

    /** The {@link LoadMain} arguments that reproduce this spec (without the JVM command). */
    public List<String> toArgs() {
        List<String> args = new ArrayList<>();
        String host = target.getAddress().getHostAddress();
        if (host.contains(":")) host = "[" + host + "]";
        args.addAll(List.of("--target", host + ":" + target.getPort(), "--mode", mode.name().toLowerCase(java.util.Locale.ROOT),
                "--rate", Long.toString(ratePerSecond), "--size", Integer.toString(sizeBytes),
                "--duration", Durations.format(durationNanos), "--timeout", Durations.format(replyTimeoutNanos),
                "--window", Integer.toString(window), "--bucket", Durations.format(bucketNanos)));
        return args;
    }

    private static long totalRequests(long rate, long durationNanos) {
        if (rate <= 0) return 0;
        if (durationNanos <= Long.MAX_VALUE / rate) return rate * durationNanos / 1_000_000_000L;
        return (long) Math.floor(rate * (durationNanos / 1e9));
    }
}
