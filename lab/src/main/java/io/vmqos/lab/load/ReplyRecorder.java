package io.vmqos.lab.load;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The receiving half of {@link UdpLoadGenerator}: runs on its own thread, reads echoes from the connected
 * channel until the channel is closed, matches them to requests by sequence number and records latencies.
 *
 * <p>Threading: only the receiver thread writes the histograms, the bit set and the timeline; the sender reads
 * {@link #replies()} (a volatile single-writer counter) to drive its window. Everything else is read after
 * {@link Thread#join()}. Allocation-free per reply except for one small {@link TimeBucket} per bucket and the
 * bit set's occasional growth in BULK mode.
 */
final class ReplyRecorder implements Runnable {
    private final DatagramChannel channel;
    private final LoadSpec spec;
    private final long startNanos;
    private final AtomicLong sent;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(RequestPayload.MAX_UDP_PAYLOAD + 1);
    private final long highestTrackable;

    final Histogram latency;
    final Histogram intendedLatency;
    private final Histogram bucket;
    private final List<TimeBucket> timeline = new ArrayList<>();
    private long bucketIndex;
    private final BitSet replied;

    private volatile long replies;
    private long duplicates;
    private long errors;
    private long lastReplyNanos;
    private volatile IOException failure;

    ReplyRecorder(DatagramChannel channel, LoadSpec spec, long startNanos, AtomicLong sent) {
        this.channel = channel;
        this.spec = spec;
        this.startNanos = startNanos;
        this.sent = sent;
        this.highestTrackable = Math.max(10_000_000_000L, spec.durationNanos() + spec.replyTimeoutNanos() + 1_000_000_000L);
        this.latency = new Histogram(highestTrackable, 3);
        this.intendedLatency = new Histogram(highestTrackable, 3);
        this.bucket = new Histogram(highestTrackable, 2);
        this.replied = new BitSet(spec.mode() == LoadMode.PACED ? (int) Math.min(spec.pacedRequests(), Integer.MAX_VALUE) : 1 << 16);
        this.lastReplyNanos = startNanos;
    }

    @Override
    public void run() {
        while (true) {
            buffer.clear();
            int n;
            try {
                n = channel.read(buffer);
            } catch (PortUnreachableException e) {
                errors++;
                continue;
            } catch (ClosedChannelException e) {
                return; // the generator closed the channel: the run is over
            } catch (IOException e) {
                failure = e;
                return;
            }
            onReply(n, System.nanoTime());
        }
    }

    private void onReply(int length, long now) {
        if (length < RequestPayload.HEADER_BYTES) {
            errors++;
            return;
        }
        long seq = RequestPayload.sequence(buffer);
        if (seq < 0 || seq >= sent.get() || seq > Integer.MAX_VALUE) {
            errors++; // not one of ours (or corrupted)
            return;
        }
        if (replied.get((int) seq)) {
            duplicates++;
            return;
        }
        replied.set((int) seq);
        long service = clamp(now - RequestPayload.sendNanos(buffer));
        long intended = spec.mode() == LoadMode.PACED ? clamp(now - (startNanos + spec.intendedOffsetNanos(seq))) : service;
        latency.recordValue(service);
        intendedLatency.recordValue(intended);
        advanceBucket(now);
        bucket.recordValue(service);
        lastReplyNanos = now;
        replies = replies + 1; // single writer
    }

    private void advanceBucket(long now) {
        long index = Math.max(0, (now - startNanos) / spec.bucketNanos());
        while (bucketIndex < index) {
            flushBucket();
            bucketIndex++;
        }
    }

    private void flushBucket() {
        long count = bucket.getTotalCount();
        timeline.add(count == 0
                ? new TimeBucket(bucketIndex * spec.bucketNanos(), 0, 0, 0, 0)
                : new TimeBucket(bucketIndex * spec.bucketNanos(), count, bucket.getValueAtPercentile(50),
                        bucket.getValueAtPercentile(99), bucket.getMaxValue()));
        bucket.reset();
    }

    private long clamp(long nanos) {
        return Math.min(Math.max(nanos, 0), highestTrackable);
    }

    /** Distinct requests answered so far; any thread. */
    long replies() { return replies; }

    /** After the receiver thread ended. */
    long duplicates() { return duplicates; }

    long errors() { return errors; }

    long lastReplyNanos() { return lastReplyNanos; }

    IOException failure() { return failure; }

    /** After the receiver thread ended: the buckets up to and including the last one with replies. */
    List<TimeBucket> finishTimeline() {
        if (bucket.getTotalCount() > 0) {
            flushBucket();
            bucketIndex++;
        }
        return timeline;
    }
}
