package io.vmqos.testing;

import io.vmqos.lab.NetnsSockets;
import io.vmqos.linux.ProcFs;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * A lab VM's guest told to spin, and its vCPU thread watched every 50 ms: its share of a CPU over sliding 200 ms
 * windows, when it first took more than a limit (in a 50 ms sample) and when it was back within it.
 *
 * @param peak the largest 200 ms share
 * @param startAt when a 50 ms sample first exceeded the limit (nanoTime), or -1
 * @param backAt when the 200 ms share was back within the limit after exceeding it, or -1
 * @param reclaimLost true when the thread was seen without SCHED_FLAG_RECLAIM
 */
public record RunawayWatch(double peak, long startAt, long backAt, boolean reclaimLost) {
    /** From the first sample above the limit to back within it, ns; -1 when it never went above or never came back. */
    public long backAfterNs() { return backAt < 0 || startAt < 0 ? -1 : backAt - startAt; }

    /** Tells {@code vm}'s guest to spin {@code spinMs} and watches thread {@code tid} for {@code watchNs}. */
    public static RunawayWatch spin(OneLabVm vm, int tid, int spinMs, double limit, long watchNs, IntPredicate reclaims) throws Exception {
        ProcFs proc = new ProcFs();
        long t0 = System.nanoTime(), c0 = proc.cpuTimeNs(tid);
        try (DatagramChannel ch = NetnsSockets.openDatagram(vm.net().clientNamespace())) {
            ch.send(ByteBuffer.wrap(("VMQOS-SPIN " + spinMs).getBytes(StandardCharsets.US_ASCII)), new InetSocketAddress(vm.vm().guestIp(), vm.vm().echoPort()));
        }
        List<long[]> samples = new ArrayList<>();
        samples.add(new long[] {t0, c0});
        double peak = 0;
        long backAt = -1, startAt = -1;
        boolean lost = false;
        while (System.nanoTime() - t0 < watchNs) {
            Thread.sleep(50);
            long now = System.nanoTime(), c = proc.cpuTimeNs(tid);
            long[] prev = samples.getLast();
            samples.add(new long[] {now, c});
            lost |= !reclaims.test(tid);
            if (startAt < 0 && (c - prev[1]) / (double) (now - prev[0]) > limit) startAt = prev[0];
            long[] from = null;
            for (long[] s : samples) if (now - s[0] >= 200_000_000L) from = s;
            if (from == null) continue;
            double share = (c - from[1]) / (double) (now - from[0]);
            peak = Math.max(peak, share);
            if (backAt < 0 && peak > limit && share <= limit) backAt = now;
        }
        return new RunawayWatch(peak, startAt, backAt, lost);
    }
}
