package io.vmqos.linux;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;

import static io.vmqos.linux.ProcEventsTest.SELF;
import static io.vmqos.linux.ProcEventsTest.currentTid;
import static io.vmqos.linux.ProcEventsTest.openOrSkip;

/**
 * Prints, as root: the latency from {@code Thread.start()} to the new thread's Fork reaching a ProcEvents listener
 * (split at the kernel's timestamp), the reader's CPU time per 1000 events (delivered, or all filtered out), and the
 * latency from creating a file to DirectoryWatch's CREATED. Excluded from the normal run (tag {@code benchmark}); run
 * with {@code scripts/bench.sh -pl linux -am -Dtest=ProcEventsBenchmark}, or
 * {@code mvn -B -Dbuild.root=/tmp/x -pl linux -am verify -Dgroups=benchmark -Dtest.excludedGroups=none
 * -Dtest=ProcEventsBenchmark -Dsurefire.failIfNoSpecifiedTests=false}. Asserts nothing about speed.
 */
@Tag("benchmark")
class ProcEventsBenchmark {
    private static final int THREADS = 200, WARMUP = 50, LOAD_THREADS = 3000;

    @Test
    void threadStartToForkDelivered() throws Exception {
        record Seen(long deliveredNs, long kernelNs) {}
        Map<Integer, Seen> forks = new ConcurrentHashMap<>();
        try (ProcEvents pe = openOrSkip(tgid -> tgid == SELF, e -> {
            if (e instanceof ProcEvent.Fork f && f.childTgid() == SELF) {
                forks.put(f.childTid(), new Seen(System.nanoTime(), f.timestampNs()));
            }
        })) {
            long[] total = new long[THREADS], toKernel = new long[THREADS], toListener = new long[THREADS];
            for (int i = -WARMUP; i < THREADS; i++) {
                AtomicInteger tid = new AtomicInteger();
                Thread t = Thread.ofPlatform().unstarted(() -> tid.set(currentTid()));
                long t0 = System.nanoTime();
                t.start();
                t.join();
                Seen s = awaitKey(forks, tid.get());
                if (i < 0) continue;
                total[i] = s.deliveredNs() - t0;
                toKernel[i] = s.kernelNs() - t0;
                toListener[i] = s.deliveredNs() - s.kernelNs();
            }
            bench("Thread.start() -> Fork delivered", total);
            bench("  Thread.start() -> kernel fork timestamp", toKernel);
            bench("  kernel fork timestamp -> listener", toListener);
        }
    }

    @Test
    void readerCpuPer1000Events() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        AtomicLong delivered = new AtomicLong();
        for (boolean all : new boolean[] {true, false}) {
            IntPredicate interest = all ? tgid -> true : tgid -> false;
            try (ProcEvents pe = openOrSkip(interest, e -> delivered.incrementAndGet())) {
                long reader = pe.readerThread().threadId();
                for (int round = 0; round < 2; round++) { // the first warms the JIT up
                    long events0 = pe.eventsRead(), d0 = delivered.get();
                    long cpu0 = mx.getThreadCpuTime(reader), user0 = mx.getThreadUserTime(reader);
                    for (int i = 0; i < LOAD_THREADS; i++) Thread.ofPlatform().start(() -> { }).join(); // 3 events each
                    Thread.sleep(200); // let the reader drain
                    long events = pe.eventsRead() - events0;
                    long cpu = mx.getThreadCpuTime(reader) - cpu0, user = mx.getThreadUserTime(reader) - user0;
                    if (round == 0) continue;
                    System.out.printf("BENCH proc-events reader CPU per 1000 events (%s): %.1f ms, of which user %.1f ms "
                                    + "(%d events read, %d delivered)%n", all ? "all delivered" : "all filtered out",
                            cpu / 1e3 / events, user / 1e3 / events, events, delivered.get() - d0);
                }
            }
        }
    }

    @Test
    void fileCreatedToDirectoryWatchEvent(@TempDir Path dir) throws Exception {
        AtomicReference<CountDownLatch> seen = new AtomicReference<>();
        AtomicLong at = new AtomicLong();
        try (DirectoryWatch w = DirectoryWatch.open(List.of(dir), (d, name, kind) -> {
            if (kind == DirectoryWatch.Kind.CREATED) {
                at.set(System.nanoTime());
                seen.get().countDown();
            }
        })) {
            long[] lat = new long[THREADS];
            for (int i = -WARMUP; i < THREADS; i++) {
                CountDownLatch latch = new CountDownLatch(1);
                seen.set(latch);
                long t0 = System.nanoTime();
                Files.createFile(dir.resolve("f" + (i + WARMUP)));
                if (!latch.await(5, TimeUnit.SECONDS)) throw new AssertionError("no CREATED event within 5 s");
                if (i >= 0) lat[i] = at.get() - t0;
            }
            bench("file created -> DirectoryWatch CREATED", lat);
        }
    }

    private static <V> V awaitKey(Map<Integer, V> map, int key) throws InterruptedException {
        for (int i = 0; i < 5000; i++) {
            V v = map.get(key);
            if (v != null) return v;
            Thread.sleep(1);
        }
        throw new AssertionError("no fork event for thread " + key + " within 5 s");
    }

    private static void bench(String what, long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        System.out.printf("BENCH %s: median %.1f us, p99 %.1f us, max %.1f us (n=%d)%n", what,
                s[s.length / 2] / 1e3, s[(int) Math.ceil(s.length * 0.99) - 1] / 1e3, s[s.length - 1] / 1e3, s.length);
    }
}
