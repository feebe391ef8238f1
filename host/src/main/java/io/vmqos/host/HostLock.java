package io.vmqos.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One writer per host: an exclusive lock that a vmqos process holds across the admission and the apply of a change
 * to the host, so that two processes cannot both admit against the same free room.
 *
 * <p>The lock is a kernel file lock on {@code lock} in the run directory ({@link RunDir}, default
 * {@code /run/vmqos/lock}; the directory is created 0700, the file 0600). Java's {@link FileChannel#tryLock()} takes
 * a POSIX record lock ({@code fcntl F_SETLK}, listed as {@code POSIX} in {@code /proc/locks}), not {@code flock(2)}:
 * another program cooperating with vmqos must lock the file the same way. The kernel releases it when the holder
 * exits, however it exits, so a killed vmqos never leaves the host locked. After acquiring, the holder writes
 * {@code pid N WHAT} into the file (e.g. {@code pid 1234 vmqos apply -f host.yaml}); a process that waited in vain
 * reads it back for its {@link HostLockedException}; the holder empties it again before it releases.
 *
 * <p><b>Threads.</b> A file lock belongs to a process, and the JDK refuses a second lock on the same file within one
 * JVM ({@link OverlappingFileLockException}). So the lock is also JVM-wide: threads of one process queue on a fair
 * in-JVM mutex first and only its owner touches the file. It is re-entrant: the thread that holds it may
 * {@link #acquire} again (e.g. a command that holds it runs a reconcile, which takes it too), which
 * returns at once; the host is unlocked when the last of that thread's handles is closed, in any order.
 * {@link #acquire} may be called from any thread; a handle must be closed by the thread that acquired it (the mutex
 * is owned by a thread); {@link #close()} is idempotent (a closed handle's close does nothing, on any thread). A thread
 * that ends without closing its handle keeps the host locked until the JVM exits (waiters' messages name it).
 */
public final class HostLock implements AutoCloseable {
    /** How long commands wait for another holder by default. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);
    /** The lock file's name in the run directory. */
    public static final String FILE_NAME = "lock";

    private static final long FIRST_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(25);
    private static final ConcurrentHashMap<Path, Shared> BY_FILE = new ConcurrentHashMap<>();

    /** One lock file's state in this JVM. The channel and its lock are touched only by the mutex's owner. */
    private static final class Shared {
        final Path file;
        final ReentrantLock mutex = new ReentrantLock(true);
        FileChannel channel;
        FileLock fileLock;
        volatile String what = "";
        volatile String ownerName = "";

        Shared(Path file) { this.file = file; }
    }

    private final Shared shared;
    private final Thread owner;
    private volatile boolean closed;

    private HostLock(Shared shared) {
        this.shared = shared;
        this.owner = Thread.currentThread();
    }

    /** The host's lock file: {@code lock} in {@link RunDir#path()}. */
    public static Path defaultFile() { return RunDir.path().resolve(FILE_NAME); }

    /** {@link #acquire(Path, String, Duration)} on {@link #defaultFile()}. */
    public static HostLock acquire(String what, Duration wait) { return acquire(defaultFile(), what, wait); }

    /**
     * Takes the lock, polling until {@code wait} has passed; re-entrant for the thread that holds it.
     *
     * @param what what the holder does, written into the file for others' messages (e.g. the command line)
     * @param wait how long to wait for another holder; zero tries once
     * @throws HostLockedException still held by another process, or another thread of this one, after {@code wait};
     *     also when interrupted while waiting (the interrupt flag is kept)
     * @throws UncheckedIOException the run directory or the file cannot be created or locked (not root?)
     */
    public static HostLock acquire(Path file, String what, Duration wait) {
        Shared s = BY_FILE.computeIfAbsent(file.toAbsolutePath().normalize(), Shared::new);
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            if (!s.mutex.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new HostLockedException(s.file, OptionalLong.of(ProcessHandle.current().pid()),
                        s.what + " (thread " + s.ownerName + ")", true, wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostLockedException(s.file, OptionalLong.empty(), "(not known: interrupted while waiting)", false, wait);
        }
        if (s.mutex.getHoldCount() > 1) return new HostLock(s);
        try {
            lockFile(s, what, deadline, wait);
            s.what = what;
            s.ownerName = Thread.currentThread().getName();
            return new HostLock(s);
        } catch (RuntimeException | Error e) {
            s.mutex.unlock();
            throw e;
        }
    }

    /** True when some thread of this JVM holds the lock on {@code file} (for tests and diagnostics). */
    public static boolean isHeldInThisProcess(Path file) {
        Shared s = BY_FILE.get(file.toAbsolutePath().normalize());
        return s != null && s.mutex.isLocked();
    }

    /** The file this handle locks. */
    public Path file() { return shared.file; }

    /**
     * Releases this handle; the host is unlocked when the owning thread's last handle is closed. Idempotent.
     *
     * @throws IllegalStateException an open handle closed by another thread than the one that acquired it
     */
    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("the host lock " + shared.file + " was acquired by thread " + owner.getName()
                    + " and must be released by it, not by " + Thread.currentThread().getName());
        }
        closed = true;
        try {
            if (shared.mutex.getHoldCount() == 1) unlockFile(shared);
        } finally {
            shared.mutex.unlock();
        }
    }

    /** Called with the mutex held, when this JVM does not hold the file lock yet. */
    private static void lockFile(Shared s, String what, long deadline, Duration wait) {
        FileChannel ch = open(s.file);
        try {
            long pause = FIRST_PAUSE_NS;
            while (true) {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    throw new IllegalStateException("the host lock " + s.file + " is locked by other code of this process "
                            + "through another channel; take it only through HostLock", e);
                }
                if (l != null) {
                    ch.truncate(0);
                    ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " " + what + "\n").getBytes(StandardCharsets.UTF_8)), 0);
                    s.channel = ch;
                    s.fileLock = l;
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) throw holderOf(s.file, ch, wait);
                Thread.sleep(Duration.ofNanos(Math.min(pause, left)));
                pause = Math.min(pause * 2, MAX_PAUSE_NS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(ch);
            throw new HostLockedException(s.file, OptionalLong.empty(), "(not known: interrupted while waiting)", false, wait);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot lock " + s.file + ": " + e.getMessage() + " (fix: run as root)", e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static FileChannel open(Path file) {
        RunDir.create(file.getParent());
        try {
            return FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the host lock " + file + ": " + e.getMessage() + " (fix: run as root)", e);
        }
    }

    private static void unlockFile(Shared s) {
        FileChannel ch = s.channel;
        s.channel = null;
        s.fileLock = null;
        s.what = "";
        s.ownerName = "";
        if (ch == null) return;
        try {
            ch.truncate(0); // while still locked: a waiter never reads a stale holder
        } catch (IOException ignored) {
            // the holder line stays; the next holder overwrites it
        }
        closeQuietly(ch); // closing the channel releases the file lock
    }

    /**
     * The exception for a file held by another process: the pid the kernel lists for the lock in
     * {@code /proc/locks} (the truth, even before the holder wrote its line) and what the holder wrote.
     * Reads through {@code ch}: this JVM holds no lock on the file now, so no close can drop one.
     */
    private static HostLockedException holderOf(Path file, FileChannel ch, Duration wait) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        ch.read(b, 0);
        String line = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
        OptionalLong written = OptionalLong.empty();
        String doing = "";
        if (line.startsWith("pid ")) {
            int sp = line.indexOf(' ', 4);
            try {
                written = OptionalLong.of(Long.parseLong(sp < 0 ? line.substring(4) : line.substring(4, sp)));
                doing = sp < 0 ? "" : line.substring(sp + 1).strip();
            } catch (NumberFormatException ignored) {
                // not a line HostLock wrote
            }
        }
        OptionalLong kernel = KernelFileLocks.holderOf(file);
        OptionalLong pid = kernel.isPresent() ? kernel : written;
        if (pid.isPresent() && (written.isEmpty() || written.getAsLong() != pid.getAsLong())) {
            doing = KernelFileLocks.commandLine(pid.getAsLong()) + " (it has not written what it does into " + file + ")";
        }
        if (pid.isEmpty()) doing = "a process that did not say what it does (see /proc/locks)";
        return new HostLockedException(file, pid, doing, false, wait);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
