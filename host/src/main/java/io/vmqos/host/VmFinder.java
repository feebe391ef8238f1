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
     * A QMP socket found held by a QEMU that names its threads: while the socket file is the same one (a restarted QEMU
     * makes a new one) and the process the same (its start time), its owner is known without reading the host's socket
     * table and the process's descriptors again.
     */
    record Named(int pid, long startTime, Object socketKey) {
        static java.util.Optional<Named> of(String socket, int pid) {
            Object key = key(socket);
            long start = startTime(pid);
            return key == null || start < 0 ? java.util.Optional.empty() : java.util.Optional.of(new Named(pid, start, key));
        }

        boolean holds(String socket) { return socketKey.equals(key(socket)) && startTime(pid) == startTime; }

        private static Object key(String socket) {
            try {
                return Files.readAttributes(Path.of(socket), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            } catch (java.io.IOException | RuntimeException gone) {
                return null;
            }
        }

        private static long startTime(int pid) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[19]); // field 22
            } catch (java.io.IOException | RuntimeException gone) {
                return -1;
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
        record Answered(int pid, java.util.Set<Integer> tasks, long atNanos, VmThreads threads) {}
        Map<String, Answered> answers = new ConcurrentHashMap<>();
        Map<String, Named> named = new ConcurrentHashMap<>();
        return new VmFinder() {
            @Override
            public VmThreads find(VmLocator locator) {
                return switch (locator) {
                    case VmLocator.Qmp q -> {
                        Named n = named.get(q.path());
                        if (n != null && n.holds(q.path())) yield VmDiscovery.viaProc(n.pid()); // same socket, same process
                        named.remove(q.path());
                        Answered a = answers.get(q.path());
                        if (a != null && System.nanoTime() - a.atNanos() < QMP_REUSE_NANOS
                                && VmDiscovery.qmpSocketOwner(Path.of(q.path()), OptionalInt.of(a.pid())).equals(OptionalInt.of(a.pid()))
                                && tasks(a.pid()).equals(a.tasks())) {
                            yield a.threads();
                        }
                        answers.remove(q.path());
                        VmThreads t = VmDiscovery.viaQmpSocket(Path.of(q.path()), hint(q));
                        owners.put(q.path(), t.pid());
                        java.util.Set<Integer> before = tasks(t.pid());
                        if (t.source() == VmThreads.Source.QMP && !before.isEmpty()) {
                            answers.put(q.path(), new Answered(t.pid(), before, System.nanoTime(), t));
                        }
                        if (t.source() == VmThreads.Source.PROC) Named.of(q.path(), t.pid()).ifPresent(x -> named.put(q.path(), x));
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

            private static java.util.Set<Integer> tasks(int pid) {
                java.util.Set<Integer> out = new java.util.TreeSet<>();
                try (var ds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
                    for (Path p : ds) out.add(Integer.parseInt(p.getFileName().toString()));
                } catch (java.io.IOException | NumberFormatException gone) {
                    return java.util.Set.of();
                }
                return out;
            }

            private OptionalInt hint(VmLocator.Qmp q) {
                Integer p = owners.get(q.path());
                return p == null ? OptionalInt.empty() : OptionalInt.of(p);
            }
        };
    }
}
