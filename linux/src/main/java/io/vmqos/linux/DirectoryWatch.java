package io.vmqos.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Watches a few directories for entries created, modified and deleted (e.g. a QMP socket re-created, libvirt's
 * {@code /run/libvirt/qemu/NAME.pid}, a config file edited), through the JDK's {@link WatchService}, which on
 * Linux is inotify: events arrive within milliseconds, nothing is polled. Not recursive: only each directory's own
 * entries are reported.
 *
 * <p>A directory that does not exist yet is waited for: its nearest existing ancestor is watched, and once the
 * directory appears it is watched and every entry already in it is reported as {@link Kind#CREATED} (it may have
 * been filled before the watch took hold, so an entry can be reported twice: listeners must be idempotent). A watched
 * directory that is deleted goes back to being waited for, and is watched again, with the same report, when it is
 * re-created. Entries that exist when {@link #open} is called are not reported. A directory renamed away keeps being
 * watched under its old name (inotify follows the inode) until it is deleted.
 *
 * <p>Threading: the listener is called on one daemon thread ({@code vmqos-directory-watch}), one event at a time;
 * it should be quick. An exception it throws goes to that thread's uncaught exception handler and the next event is
 * delivered. {@link #close()} is idempotent and thread-safe; it waits for the listener's current call to return (from
 * the listener itself it returns at once), and no call starts after it returns.
 */
public final class DirectoryWatch implements AutoCloseable {
    /**
     * Which version of a file is on disk, without reading it: its inode (a file renamed into place is a new one),
     * modification time and size; {@code "absent"} when there is none. Equal stamps: nobody wrote it meanwhile. What a
     * poll compares when an event may have been missed.
     */
    public static Object stamp(Path file) {
        try {
            var a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
            return java.util.List.of(String.valueOf(a.fileKey()), a.lastModifiedTime().toString(), a.size());
        } catch (IOException e) {
            return "absent";
        }
    }

    /** What happened to an entry. */
    public enum Kind {
        CREATED, MODIFIED, DELETED,
        /** Events were lost (inotify's queue overflowed): rescan {@code directory}; the file name is null. */
        OVERFLOW
    }

    /** Receives the changes; {@code directory} is one of the watched directories as given to {@link #open}, absolute. */
    @FunctionalInterface
    public interface Listener {
        void changed(Path directory, Path fileName, Kind kind);
    }

    private static final int MAX_DESCENTS = 16;

    private final WatchService service;
    private final Set<Path> targets;
    private final Listener listener;
    private final Thread thread;
    private final AtomicBoolean closed = new AtomicBoolean();
    // confined to open() until the thread starts, then to the thread
    private final Map<Path, WatchKey> armed = new HashMap<>(); // a watched target -> its key
    private final Map<WatchKey, Path> watched = new HashMap<>(); // every registered key -> its directory

    private DirectoryWatch(WatchService service, Set<Path> targets, Listener listener) {
        this.service = service;
        this.targets = targets;
        this.listener = listener;
        this.thread = Thread.ofPlatform().name("vmqos-directory-watch").daemon().unstarted(this::run);
    }

    /**
     * Starts watching {@code directories} (relative paths are made absolute).
     *
     * @throws IOException if inotify cannot be set up (e.g. fs.inotify.max_user_watches or max_user_instances
     *     reached) or a directory cannot be read
     */
    public static DirectoryWatch open(Collection<Path> directories, Listener listener) throws IOException {
        Set<Path> targets = new LinkedHashSet<>();
        for (Path d : directories) targets.add(d.toAbsolutePath().normalize());
        DirectoryWatch w = new DirectoryWatch(FileSystems.getDefault().newWatchService(), Set.copyOf(targets), listener);
        try {
            w.reconcile(false);
        } catch (IOException | RuntimeException e) {
            w.service.close();
            throw e;
        }
        w.thread.start();
        return w;
    }

    /** True until {@link #close()}. */
    public boolean isOpen() { return !closed.get() && thread.isAlive(); }

    /** The thread that calls the listener (for tests). */
    Thread listenerThread() { return thread; }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                service.close(); // the thread's take() then throws ClosedWatchServiceException
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close the directory watch", e);
            }
        }
        ListenerThreads.joinUnlessCurrent(thread);
    }

    private void run() {
        try {
            while (!closed.get()) {
                WatchKey key = service.take();
                Path dir = watched.get(key);
                boolean target = dir != null && armed.get(dir) == key;
                for (WatchEvent<?> e : key.pollEvents()) {
                    if (target && !closed.get()) deliver(dir, e);
                }
                if (!key.reset() || armed.size() < targets.size()) { // gone, or something awaited
                    try {
                        reconcile(true);
                    } catch (IOException e) { // e.g. permission denied: retried at the next event
                        ListenerThreads.report(new UncheckedIOException("directory watch cannot watch a directory", e));
                    }
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed
        }
    }

    private void deliver(Path dir, WatchEvent<?> e) {
        Kind kind;
        if (e.kind() == StandardWatchEventKinds.ENTRY_CREATE) kind = Kind.CREATED;
        else if (e.kind() == StandardWatchEventKinds.ENTRY_MODIFY) kind = Kind.MODIFIED;
        else if (e.kind() == StandardWatchEventKinds.ENTRY_DELETE) kind = Kind.DELETED;
        else kind = Kind.OVERFLOW;
        call(dir, kind == Kind.OVERFLOW ? null : (Path) e.context(), kind);
    }

    private void call(Path dir, Path name, Kind kind) {
        try {
            listener.changed(dir, name, kind);
        } catch (RuntimeException ex) {
            ListenerThreads.report(ex);
        }
    }

    /**
     * Watches every target that exists and is not watched yet (reporting its entries if {@code announce}), the
     * nearest existing ancestor of every other one, and nothing else.
     */
    private void reconcile(boolean announce) throws IOException {
        Set<Path> needed = new HashSet<>();
        for (Path t : targets) {
            WatchKey k = armed.get(t);
            if (k == null || !k.isValid()) {
                armed.remove(t);
                if (!arm(t, needed)) continue;
                if (announce) announceEntries(t);
            }
            needed.add(t);
        }
        for (Iterator<Map.Entry<WatchKey, Path>> it = watched.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<WatchKey, Path> e = it.next();
            if (!e.getKey().isValid() || !needed.contains(e.getValue())) {
                e.getKey().cancel();
                it.remove();
            }
        }
    }

    /** Watches {@code t} if it exists (true), else adds the ancestor it now waits on to {@code needed} (false). */
    private boolean arm(Path t, Set<Path> needed) throws IOException {
        for (int i = 0; i < MAX_DESCENTS; i++) {
            WatchKey k = register(t);
            if (k != null) {
                armed.put(t, k);
                return true;
            }
            Path child = t, a = t.getParent();
            while (a != null && register(a) == null) {
                child = a;
                a = a.getParent();
            }
            if (a == null) return false; // not even the root: nothing to wait on
            needed.add(a);
            // the level below may have appeared between the two register calls, before the ancestor's watch took hold
            if (!Files.isDirectory(child)) return false;
        }
        return false;
    }

    /** The directory's key, or null if it does not exist (or is not a directory). */
    private WatchKey register(Path dir) throws IOException {
        try {
            WatchKey k = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
            watched.put(k, dir);
            return k;
        } catch (NoSuchFileException | NotDirectoryException e) {
            return null;
        }
    }

    private void announceEntries(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (closed.get()) return;
                call(dir, p.getFileName(), Kind.CREATED);
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            // deleted again already: its key is invalid and the next reconcile waits for it once more
        }
    }
}
