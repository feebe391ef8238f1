package io.vmqos.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The process events connector on the real kernel, as root: this JVM's threads and child processes. */
class ProcEventsTest {
    static final int SELF = (int) ProcessHandle.current().pid();

    private final List<ProcEvent> events = new CopyOnWriteArrayList<>();
    /** This JVM and the processes it forked (added by the listener, on the reader thread, as their forks arrive). */
    private final Set<Integer> family = ConcurrentHashMap.newKeySet();
    private ProcEvents pe;

    ProcEventsTest() { family.add(SELF); }

    @AfterEach
    void close() { if (pe != null) pe.close(); }

    /** Opens the connector, or skips the test if this kernel or process cannot have it (the reason says why). */
    static ProcEvents openOrSkip(IntPredicate interest, Consumer<ProcEvent> listener) {
        return openOrSkip(() -> ProcEvents.open(interest, listener));
    }

    static ProcEvents openOrSkip(Supplier<ProcEvents> open) {
        try {
            return open.get();
        } catch (ProcEventsUnavailableException e) {
            Assumptions.abort(e.getMessage());
            throw e;
        }
    }

    private void openFamily() {
        pe = openOrSkip(family::contains, e -> {
            if (e instanceof ProcEvent.Fork f && family.contains(f.parentTgid())) family.add(f.childTgid());
            events.add(e);
        });
    }

    /** This thread's kernel id, from /proc/thread-self ("PID/task/TID"). */
    static int currentTid() {
        try {
            return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (Exception e) {
            throw new IllegalStateException("cannot read /proc/thread-self", e);
        }
    }

    @Test
    void javaThreadIsReportedAsForkCommAndExit() throws Exception {
        openFamily();
        assertThat(pe.isOpen()).isTrue();
        assertThat(pe.receiveBufferBytes()).as("SO_RCVBUFFORCE as root")
                .isGreaterThanOrEqualTo(ProcEvents.DEFAULT_RECEIVE_BUFFER);
        AtomicInteger tid = new AtomicInteger();
        Thread t = Thread.ofPlatform().name("vq-pe-test-thread").start(() -> {
            tid.set(currentTid());
            Thread.currentThread().setName("vq-pe-renamed"); // on the current thread the JDK renames the native thread
        });
        t.join();
        int id = tid.get();
        ProcEvent.Fork fork = await(ProcEvent.Fork.class, f -> f.childTid() == id);
        assertThat(fork.childTgid()).isEqualTo(SELF);
        assertThat(fork.isThread()).isTrue();
        // the JVM names a thread's native twin as it starts (15 bytes at most), and again on setName from the thread
        await(ProcEvent.Comm.class, c -> c.tid() == id && c.tgid() == SELF && c.comm().equals("vq-pe-test-thre"));
        await(ProcEvent.Comm.class, c -> c.tid() == id && c.comm().equals("vq-pe-renamed"));
        ProcEvent.Exit exit = await(ProcEvent.Exit.class, x -> x.tid() == id);
        assertThat(exit.tgid()).isEqualTo(SELF);
        assertThat(exit.timestampNs()).isGreaterThan(fork.timestampNs()).isLessThanOrEqualTo(System.nanoTime());
        assertThat(events).allMatch(e -> e instanceof ProcEvent.Fork || tgid(e) == SELF || family.contains(tgid(e)),
                "only this JVM's family passes the interest filter");
    }

    @Test
    void childProcessIsReportedAsForkExecAndExit() throws Exception {
        openFamily();
        Process p = new ProcessBuilder("sleep", "0.2").start();
        int pid = (int) p.pid();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        ProcEvent.Fork fork = await(ProcEvent.Fork.class, f -> f.childTid() == pid);
        assertThat(fork.childTgid()).isEqualTo(pid);
        assertThat(fork.isThread()).isFalse();
        assertThat(fork.parentTgid()).isEqualTo(SELF);
        await(ProcEvent.Exec.class, x -> x.tid() == pid && x.tgid() == pid);
        ProcEvent.Exit exit = await(ProcEvent.Exit.class, x -> x.tid() == pid && x.tgid() == pid);
        assertThat(exit.status()).isZero();
        assertThat(exit.signal()).isZero();
    }

    @Test
    void killedChildReportsItsSignal() throws Exception {
        openFamily();
        Process p = new ProcessBuilder("sleep", "30").start();
        int pid = (int) p.pid();
        await(ProcEvent.Exec.class, x -> x.tgid() == pid); // running sleep, not the JDK's spawn helper
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        assertThat(await(ProcEvent.Exit.class, x -> x.tid() == pid).signal()).isEqualTo(9);
    }

    @Test
    void prctlRenameIsReportedAsComm() throws Exception {
        Assumptions.assumeTrue(onPath("python3"), "python3 is not installed");
        openFamily();
        Process p = new ProcessBuilder("python3", "-c",
                "import ctypes, time; ctypes.CDLL(None).prctl(15, b'vmqosnamed', 0, 0, 0); time.sleep(0.2)")
                .redirectErrorStream(true).start();
        int pid = (int) p.pid();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        ProcEvent.Comm comm = await(ProcEvent.Comm.class, c -> c.comm().equals("vmqosnamed"));
        assertThat(comm.tid()).isEqualTo(pid);
        assertThat(comm.tgid()).isEqualTo(pid);
    }

    @Test
    void closeEndsTheReaderAndIsIdempotent() throws Exception {
        openFamily();
        assertCloseEndsThreadIdempotently(pe.readerThread(), pe::close, pe::isOpen);
        int before = events.size();
        Thread.ofPlatform().start(() -> { }).join();
        Thread.sleep(50);
        assertThat(events).as("no events after close").hasSize(before);
    }

    @Test
    void closeFromTheListenerEndsTheReaderAfterThatCall() throws Exception {
        AtomicReference<ProcEvents> self = new AtomicReference<>();
        CountDownLatch closed = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        pe = openOrSkip(tgid -> tgid == SELF, e -> {
            calls.incrementAndGet();
            ProcEvents p;
            while ((p = self.get()) == null) Thread.onSpinWait();
            p.close();
            closed.countDown();
        });
        self.set(pe);
        Thread.ofPlatform().start(() -> { }).join();
        assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
        pe.readerThread().join(5000);
        assertThat(pe.readerThread().isAlive()).isFalse();
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void listenerExceptionDoesNotStopTheReader() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        pe = openOrSkip(tgid -> tgid == SELF, e -> {
            if (calls.incrementAndGet() == 1) throw new IllegalStateException("listener failure on purpose (test)");
            events.add(e);
        });
        pe.readerThread().setUncaughtExceptionHandler((t, ex) -> { }); // keep the test output quiet
        Thread.ofPlatform().start(() -> { }).join();
        Thread.ofPlatform().start(() -> { }).join();
        await(ProcEvent.Exit.class, x -> true);
        assertThat(pe.isOpen()).isTrue();
    }

    @Test
    void fullReceiveBufferIsReportedAsOverrun() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // 64 KiB (the kernel counts about 830 bytes an event): the listener holds the reader until events are lost
        pe = openOrSkip(() -> ProcEvents.open(tgid -> tgid == SELF, e -> {
            try {
                release.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            events.add(e);
        }, 64 << 10, ProcEvents.ACK_TIMEOUT_MS));
        for (int i = 0; i < 300; i++) Thread.ofPlatform().start(() -> { }).join(); // 900 events
        release.countDown();
        await(ProcEvent.Overrun.class, o -> true);
        long forksSeen = events.stream().filter(e -> e instanceof ProcEvent.Fork).count();
        assertThat(forksSeen).as("events were dropped").isLessThan(300);
        Thread.ofPlatform().start(() -> { }).join();
        int before = events.size();
        Thread.ofPlatform().start(() -> { }).join();
        awaitCount(before + 1);
        assertThat(pe.isOpen()).as("still reading after the overrun").isTrue();
    }

    private <T extends ProcEvent> T await(Class<T> type, Predicate<T> p) throws InterruptedException {
        AtomicReference<T> found = new AtomicReference<>();
        within5s(() -> {
            for (ProcEvent e : events) {
                if (type.isInstance(e) && p.test(type.cast(e))) {
                    found.set(type.cast(e));
                    return true;
                }
            }
            return false;
        }, () -> "no " + type.getSimpleName() + " as expected within 5 s; got " + events);
        return found.get();
    }

    private void awaitCount(int n) throws InterruptedException {
        within5s(() -> events.size() >= n, () -> "fewer than " + n + " events within 5 s: " + events);
    }

    /** {@code close} ends {@code thread} (a daemon), can be called again, and {@code isOpen} then says false. */
    static void assertCloseEndsThreadIdempotently(Thread thread, Runnable close, BooleanSupplier isOpen) {
        assertThat(thread.isAlive()).isTrue();
        assertThat(thread.isDaemon()).isTrue();
        assertThat(isOpen.getAsBoolean()).isTrue();
        close.run();
        assertThat(thread.isAlive()).as("thread ended by close()").isFalse();
        assertThat(isOpen.getAsBoolean()).isFalse();
        close.run();
        assertThat(isOpen.getAsBoolean()).isFalse();
    }

    /** Waits until {@code done}, failing with {@code failure} after 5 s. */
    static void within5s(BooleanSupplier done, Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError(failure.get());
            Thread.sleep(5);
        }
    }

    private static int tgid(ProcEvent e) {
        return switch (e) {
            case ProcEvent.Fork f -> f.childTgid();
            case ProcEvent.Exec x -> x.tgid();
            case ProcEvent.Comm c -> c.tgid();
            case ProcEvent.Exit x -> x.tgid();
            case ProcEvent.Overrun o -> -1;
        };
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        }
        return false;
    }
}
