package io.vmqos.host;

import io.vmqos.core.config.VmLocator;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.qemu.VmDiscovery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds a configured VM's threads by role. {@link #system()} asks QEMU ({@link VmDiscovery}); tests use fakes.
 * Read-only; each call is a fresh snapshot.
 */
@FunctionalInterface
public interface VmFinder {
    /**
     * @throws io.vmqos.qemu.VmDiscoveryException the VM is not running or not QEMU
     * @throws io.vmqos.qemu.QmpException the QMP socket cannot be reached
     */
    VmThreads find(VmLocator locator);

    /**
     * The pid of the QEMU the locator names now, if one runs, found cheaply (no QMP exchange): what the agent follows
     * the threads of as soon as the VM appears. Any thread.
     */
    default OptionalInt pidOf(VmLocator locator) { return OptionalInt.empty(); }

    /**
     * What {@link #system()} found behind a QMP socket: while the socket file is the same one (a restarted QEMU makes a
     * new one) and its owner the same process (its start time), the owner is known without reading the host's socket
     * table and the process's descriptors again; and a QMP answer is still right while the process has the same threads.
     */
    record Found(int pid, long startTime, Object socketKey, java.util.List<Integer> tasks, long atNanos, VmThreads threads) {
        private static final io.vmqos.linux.ProcFs PROC = new io.vmqos.linux.ProcFs();

        static java.util.Optional<Found> of(String socket, VmThreads t) {
            Object key = socketKey(socket);
            long start = PROC.startTime(t.pid()).orElse(-1L);
            if (key == null || start < 0) return java.util.Optional.empty();
            return java.util.Optional.of(new Found(t.pid(), start, key, PROC.threadsOf(t.pid()), System.nanoTime(), t));
        }

        /** The same socket file, held by the same process. */
        boolean stillOwns(String socket) { return socketKey.equals(socketKey(socket)) && PROC.startTime(pid).orElse(-1L) == startTime; }

        /** The QMP answer holds: the same threads, asked less than {@link #QMP_REUSE_NANOS} ago. */
        boolean answerHolds() { return System.nanoTime() - atNanos < QMP_REUSE_NANOS && PROC.threadsOf(pid).equals(tasks); }

        private static Object socketKey(String socket) {
            try {
                return Files.readAttributes(Path.of(socket), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            } catch (java.io.IOException | RuntimeException gone) {
                return null;
            }
        }
    }

    /** How long {@link #system()} gives a QMP answer again while nothing changed: then it asks once more. */
    long QMP_REUSE_NANOS = 60_000_000_000L;

    /**
     * Discovery through the QMP socket's owner ({@link VmDiscovery#viaQmpSocket}: /proc when QEMU names its threads,
     * else QMP), /proc or libvirt's pidfile, as the locator says. Remembers each socket's owner, so the next lookup
     * checks it first; and what QMP answered, which it gives again without asking while the same process owns the
     * socket with the same threads (a new thread, a vCPU hot-plugged or an iothread added, asks again), for at most
     * {@link #QMP_REUSE_NANOS}: each QMP exchange costs the agent milliseconds of CPU. Thread-safe.
     */
    static VmFinder system() {
        Map<String, Integer> owners = new ConcurrentHashMap<>();
        Map<String, Found> found = new ConcurrentHashMap<>();
        return new VmFinder() {
            @Override
            public VmThreads find(VmLocator locator) {
                return switch (locator) {
                    case VmLocator.Qmp q -> {
                        Found f = found.get(q.path());
                        if (f != null && f.stillOwns(q.path())) {
                            if (f.threads().source() == VmThreads.Source.PROC) yield VmDiscovery.viaProc(f.pid()); // names may change: read again
                            if (f.answerHolds()) yield f.threads();
                        }
                        found.remove(q.path());
                        VmThreads t = VmDiscovery.viaQmpSocket(Path.of(q.path()), hint(q));
                        owners.put(q.path(), t.pid());
                        Found.of(q.path(), t).ifPresent(x -> found.put(q.path(), x));
                        yield t;
                    }
                    case VmLocator.Pid p -> VmDiscovery.viaProc(p.pid());
                    case VmLocator.Domain d -> VmDiscovery.viaLibvirtDomain(d.name());
                };
            }

            @Override
            public OptionalInt pidOf(VmLocator locator) {
                return switch (locator) {
                    case VmLocator.Qmp q -> {
                        Found f = found.get(q.path());
                        if (f != null && f.stillOwns(q.path())) yield OptionalInt.of(f.pid()); // no socket table read
                        OptionalInt pid = VmDiscovery.qmpSocketOwner(Path.of(q.path()), hint(q));
                        pid.ifPresent(p -> owners.put(q.path(), p));
                        yield pid;
                    }
                    case VmLocator.Pid p -> Files.isDirectory(Path.of("/proc/" + p.pid())) ? OptionalInt.of(p.pid()) : OptionalInt.empty();
                    case VmLocator.Domain d -> pidFile(d.name());
                };
            }

            private static OptionalInt pidFile(String domain) {
                for (Path dir : VmDiscovery.LIBVIRT_PID_DIRS) {
                    try {
                        int pid = Integer.parseInt(Files.readString(dir.resolve(domain + ".pid")).trim());
                        if (Files.isDirectory(Path.of("/proc/" + pid))) return OptionalInt.of(pid);
                    } catch (java.io.IOException | NumberFormatException | java.nio.file.InvalidPathException absent) {
                        // not this directory
                    }
                }
                return OptionalInt.empty();
            }

            private OptionalInt hint(VmLocator.Qmp q) {
                Integer p = owners.get(q.path());
                return p == null ? OptionalInt.empty() : OptionalInt.of(p);
            }
        };
    }
}
