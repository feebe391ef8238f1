package io.vmqos.lab.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * UDP request/response load against an echo server: each request carries its sequence number and send time
 * ({@link RequestPayload}); echoes are matched by sequence number on a receiver thread and their round-trip
 * time goes into HdrHistograms (ns, 3 significant digits).
 *
 * <h2>Pacing</h2>
 * PACED mode is open loop: request {@code i} is due at {@code start + i * 1e9 / rate} computed from the absolute
 * start, so pacing never drifts however late one wake-up is; a late sender catches up by sending the overdue
 * requests back to back. The sender parks (no spinning, so it does not steal a CPU from the VM under test) with
 * its timer slack lowered to 1 ns.
 *
 * <h2>Coordinated omission</h2>
 * A closed-loop generator waits for a reply before sending again, so a stall of the system under test
 * suppresses the very samples that would show it; HdrHistogram's {@code recordValueWithExpectedInterval}
 * back-fills those. This generator is open loop — sends never wait for replies — so a VM stall delays every
 * in-flight and subsequent reply and is fully visible in the latency from the <em>actual</em> send time.
 * The only omission left is the generator itself being late to send (descheduled, GC). We therefore keep two
 * histograms instead of synthesising samples: {@code latency} (from actual send: what the network and VM did)
 * and {@code intendedLatency} (from the intended send time: additionally charges generator lateness, the
 * coordinated-omission-free response time). A large gap between the two flags a starved generator;
 * {@link LoadResult#maxSendLagNanos()} says by how much.
 *
 * <h2>Loss</h2>
 * After the last send the generator waits until every request is answered or {@code replyTimeout} has passed;
 * requests without an echo by then are lost.
 *
 * <h2>BULK mode</h2>
 * Keeps up to {@code window} requests outstanding and sends as soon as the window has room (optionally capped
 * at {@code rate}); reports echoed throughput. If no reply comes for 50 ms the outstanding requests are presumed
 * lost so the window reopens (they still count if they arrive later).
 *
 * <p>Threading: {@link #run} blocks the calling thread (the sender) for about duration + reply timeout and
 * starts one daemon receiver thread. Runs are independent; the class is stateless. Hot path allocation: none
 * except the timeline's one small record per bucket (send and receive buffers are direct and reused).
 */
public final class UdpLoadGenerator {
    private static final long BULK_STALL_NANOS = 50_000_000L;
    private static final long START_DELAY_NANOS = 2_000_000L;

    private UdpLoadGenerator() {}

    /**
     * Runs one load and returns its result.
     *
     * @throws UncheckedIOException when the socket cannot be opened or the receiver fails
     */
    public static LoadResult run(LoadSpec spec) {
        try (DatagramChannel channel = DatagramChannel.open(spec.target().getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET)) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
            channel.connect(spec.target());
            return run(spec, channel);
        } catch (IOException e) {
            throw new UncheckedIOException("load run to " + spec.target() + " failed: " + e.getMessage(), e);
        }
    }

    private static LoadResult run(LoadSpec spec, DatagramChannel channel) throws IOException {
        TimerSlack.setForCurrentThread(1);
        AtomicLong sent = new AtomicLong();
        long start = System.nanoTime() + START_DELAY_NANOS;
        ReplyRecorder recorder = new ReplyRecorder(channel, spec, start, sent);
        Thread receiver = Thread.ofPlatform().daemon().name("vqload-recv").start(() -> {
            TimerSlack.setForCurrentThread(1);
            recorder.run();
        });
        Sender sender = new Sender(spec, channel, sent, recorder, start);
        try {
            if (spec.mode() == LoadMode.PACED) sender.paced();
            else sender.bulk();
            awaitReplies(spec, sent.get(), recorder, sender.lastSendNanos);
        } finally {
            channel.close(); // ends the receiver's blocking read
            joinUninterruptibly(receiver);
        }
        if (recorder.failure() != null) throw recorder.failure();
        return result(spec, sent.get(), sender, recorder, start);
    }

    private static void awaitReplies(LoadSpec spec, long requests, ReplyRecorder recorder, long lastSend) {
        long deadline = lastSend + spec.replyTimeoutNanos();
        while (recorder.replies() < requests && System.nanoTime() - deadline < 0 && recorder.failure() == null) {
            LockSupport.parkNanos(500_000L);
        }
    }

    private static LoadResult result(LoadSpec spec, long requests, Sender sender, ReplyRecorder recorder, long start) {
        long replies = recorder.replies();
        long end = Math.max(sender.lastSendNanos, recorder.lastReplyNanos());
        long elapsed = Math.max(1, end - start);
        double seconds = elapsed / 1e9;
        String host = spec.target().getAddress().getHostAddress();
        return new LoadResult(
                (host.contains(":") ? "[" + host + "]" : host) + ":" + spec.target().getPort(),
                spec.mode(), spec.ratePerSecond(), spec.sizeBytes(), spec.durationNanos(),
                requests, replies, requests - replies, recorder.duplicates(), sender.errors + recorder.errors(),
                elapsed, replies / seconds, replies * (double) spec.sizeBytes() * 8 / seconds, sender.maxLagNanos,
                LatencySummary.of(recorder.latency), LatencySummary.of(recorder.intendedLatency),
                recorder.finishTimeline(),
                HistogramCodec.encode(recorder.latency), HistogramCodec.encode(recorder.intendedLatency));
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** The sending half; runs on the caller's thread. */
    private static final class Sender {
        private final LoadSpec spec;
        private final DatagramChannel channel;
        private final AtomicLong sent;
        private final ReplyRecorder recorder;
        private final long start;
        private final ByteBuffer out;
        long lastSendNanos;
        long maxLagNanos;
        long errors;

        Sender(LoadSpec spec, DatagramChannel channel, AtomicLong sent, ReplyRecorder recorder, long start) {
            this.spec = spec;
            this.channel = channel;
            this.sent = sent;
            this.recorder = recorder;
            this.start = start;
            this.out = ByteBuffer.allocateDirect(spec.sizeBytes());
            this.lastSendNanos = start;
        }

        void paced() throws IOException {
            long total = spec.pacedRequests();
            for (long seq = 0; seq < total; seq++) {
                long due = start + spec.intendedOffsetNanos(seq);
                parkUntil(due);
                long lag = send(seq) - due;
                if (lag > maxLagNanos) maxLagNanos = lag;
            }
        }

        void bulk() throws IOException {
            long deadline = start + spec.durationNanos();
            parkUntil(start);
            long presumedLost = 0;
            long seq = 0;
            while (System.nanoTime() - deadline < 0) {
                if (spec.ratePerSecond() > 0) {
                    long due = start + spec.intendedOffsetNanos(seq);
                    if (due - deadline >= 0) break;
                    parkUntil(due);
                }
                long lastProgress = System.nanoTime();
                long seen = recorder.replies();
                int spins = 0;
                while (seq - recorder.replies() - presumedLost >= spec.window()) {
                    long now = System.nanoTime();
                    if (now - deadline >= 0) return;
                    long replies = recorder.replies();
                    if (replies != seen) {
                        seen = replies;
                        lastProgress = now;
                    } else if (now - lastProgress > BULK_STALL_NANOS) {
                        presumedLost = seq - replies; // reopen the window; late echoes still count
                        break;
                    }
                    // Spin briefly for a fast echo, then park so the sender leaves CPU to the echo path.
                    if (++spins < 200) Thread.onSpinWait();
                    else LockSupport.parkNanos(10_000L);
                }
                send(seq++);
            }
        }

        /** Sends request {@code seq}; returns its send timestamp. */
        private long send(long seq) throws IOException {
            long now = System.nanoTime();
            RequestPayload.write(out, seq, now);
            out.clear();
            sent.set(seq + 1); // before the write: the echo may beat us back
            try {
                channel.write(out);
            } catch (PortUnreachableException e) {
                errors++; // an earlier datagram drew an ICMP error; this one was not sent
            }
            lastSendNanos = now;
            return now;
        }

        private static void parkUntil(long due) {
            long remaining;
            while ((remaining = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(remaining);
            }
        }
    }
}
