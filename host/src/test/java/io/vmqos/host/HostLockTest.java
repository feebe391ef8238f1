package io.vmqos.host;

import io.vmqos.testing.HostLockHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The host lock within one JVM (threads serialize, re-entrancy, idempotent close) and against another process. */
class HostLockTest {
    @TempDir Path dir;

    private Path file() { return dir.resolve("run/lock"); }

    @AfterEach
    void released() { assertThat(HostLock.isHeldInThisProcess(file())).as("lock left held").isFalse(); }

    @Test
    void threadsOfOneJvmSerializeInsteadOfCrashing() throws Exception {
        AtomicInteger inside = new AtomicInteger(), most = new AtomicInteger();
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int n = i;
                fs.add(pool.submit(() -> {
                    for (int k = 0; k < 20; k++) {
                        try (HostLock l = HostLock.acquire(file(), "worker " + n, Duration.ofSeconds(30))) {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            order.add(n + ":" + k);
                            Thread.onSpinWait();
                            inside.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(most.get()).as("threads inside at once").isEqualTo(1);
        assertThat(order).hasSize(160);
    }

    @Test
    void reentrantForTheHolderAndReleasedWithItsLastHandleInAnyOrder() throws Exception {
        HostLock outer = HostLock.acquire(file(), "outer", Duration.ZERO);
        HostLock inner = HostLock.acquire(file(), "inner", Duration.ZERO); // would deadlock or throw if not re-entrant
        assertThat(Files.readString(file())).isEqualTo("pid " + ProcessHandle.current().pid() + " outer\n");
        outer.close();
        assertThat(tryFromAnotherThread()).as("still held through the inner handle").isFalse();
        outer.close(); // idempotent: does not release the inner handle's hold
        assertThat(tryFromAnotherThread()).isFalse();
        inner.close();
        inner.close();
        assertThat(HostLock.isHeldInThisProcess(file())).isFalse();
        assertThat(Files.readString(file())).as("the holder line is removed on release").isEmpty();
        assertThat(tryFromAnotherThread()).isTrue();
    }

    @Test
    void aWaiterGetsTheLockWhenTheHolderReleasesWithinTheWait() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = holding("holder", "holder", release);
        Thread.ofPlatform().start(() -> {
            try { Thread.sleep(200); } catch (InterruptedException ignored) { }
            release.countDown();
        });
        long t0 = System.nanoTime();
        try (HostLock l = HostLock.acquire(file(), "waiter", Duration.ofSeconds(10))) {
            assertThat(System.nanoTime() - t0).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(150));
        }
        holder.join();
    }

    @Test
    void timeoutInsideTheJvmNamesTheHoldingThread() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = holding("the-holder", "vmqos apply -f host.yaml", release);
        try {
            assertThatThrownBy(() -> HostLock.acquire(file(), "me", Duration.ofMillis(100)))
                    .isInstanceOf(HostLockedException.class)
                    .hasMessageContaining("another thread of this process (pid " + ProcessHandle.current().pid() + ")")
                    .hasMessageContaining("vmqos apply -f host.yaml").hasMessageContaining("the-holder")
                    .hasMessageContaining("waited 100ms").hasMessageContaining("Fix: wait");
        } finally {
            release.countDown();
            holder.join();
        }
    }

    @Test
    void timeoutAgainstAnotherProcessNamesItsPidAndWhatItDoes() throws Exception {
        try (HostLockHolder other = HostLockHolder.start(file().toString(), "vmqos release -f host.yaml")) {
            long t0 = System.nanoTime();
            HostLockedException e = (HostLockedException) org.assertj.core.api.Assertions.catchThrowable(
                    () -> HostLock.acquire(file(), "me", Duration.ofMillis(300)));
            long waited = System.nanoTime() - t0;
            assertThat(e).isNotNull();
            assertThat(e.holderPid()).isEqualTo(OptionalLong.of(other.pid()));
            assertThat(e.getMessage()).contains("pid " + other.pid() + " (vmqos release -f host.yaml)")
                    .contains("waited 300ms").contains("kill " + other.pid()).contains("--lock-wait");
            assertThat(waited).isBetween(TimeUnit.MILLISECONDS.toNanos(290), TimeUnit.SECONDS.toNanos(5));
            assertThat(HostLock.isHeldInThisProcess(file())).isFalse();
        }
        try (HostLock l = HostLock.acquire(file(), "after the other exited", Duration.ofSeconds(5))) {
            assertThat(l.file()).isEqualTo(file());
        }
    }

    @Test
    void closeBelongsToTheAcquiringThread() throws Exception {
        HostLock l = HostLock.acquire(file(), "mine", Duration.ZERO);
        try {
            Thread t = Thread.ofPlatform().start(() -> assertThatThrownBy(l::close).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("must be released by it"));
            t.join();
            assertThat(HostLock.isHeldInThisProcess(file())).isTrue();
        } finally {
            l.close();
        }
    }

    @Test
    void runDirectoryIsPrivateAndTheFileOwnerOnly() throws Exception {
        try (HostLock l = HostLock.acquire(file(), "x", Duration.ZERO)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file().getParent()))).isEqualTo("rwx------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
        }
    }

    @Test
    void procLocksNamesTheHolderOfAnInode() {
        String text = """
                1: POSIX  ADVISORY  WRITE 18554 fe:00:2164552 0 EOF
                1: -> POSIX  ADVISORY  WRITE 18600 fe:00:2164552 0 EOF
                2: FLOCK  ADVISORY  WRITE 18554 fe:00:2156449 0 EOF
                3: OFDLCK ADVISORY  READ  -1 00:06:9 0 EOF
                """;
        assertThat(KernelFileLocks.holderOf(text, 2164552)).isEqualTo(OptionalLong.of(18554));
        assertThat(KernelFileLocks.holderOf(text, 2156449)).as("flock(2) is not what Java takes").isEmpty();
        assertThat(KernelFileLocks.holderOf(text, 1)).isEmpty();
    }

    /** A thread of this JVM that holds the lock (once this returns) until {@code release} is counted down. */
    private Thread holding(String name, String what, CountDownLatch release) throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().name(name).start(() -> {
            try (HostLock l = HostLock.acquire(file(), what, Duration.ZERO)) {
                held.countDown();
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        held.await();
        return t;
    }

    private boolean tryFromAnotherThread() throws Exception {
        boolean[] got = new boolean[1];
        Thread t = Thread.ofPlatform().start(() -> {
            try (HostLock l = HostLock.acquire(file(), "probe", Duration.ZERO)) {
                got[0] = true;
            } catch (HostLockedException e) {
                got[0] = false;
            }
        });
        t.join();
        return got[0];
    }
}
