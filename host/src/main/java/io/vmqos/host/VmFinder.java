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
     * Discovery through the QMP socket's owner ({@link VmDiscovery#viaQmpSocket}: /proc when QEMU names its threads,
     * else QMP), /proc or libvirt's pidfile, as the locator says. Remembers each socket's owner, so the next lookup
     * checks it first. Thread-safe.
     */
    static VmFinder system() {
        Map<String, Integer> owners = new ConcurrentHashMap<>();
        return new VmFinder() {
            @Override
            public VmThreads find(VmLocator locator) {
                return switch (locator) {
                    case VmLocator.Qmp q -> {
                        VmThreads t = VmDiscovery.viaQmpSocket(Path.of(q.path()), hint(q));
                        owners.put(q.path(), t.pid());
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

            private OptionalInt hint(VmLocator.Qmp q) {
                Integer p = owners.get(q.path());
                return p == null ? OptionalInt.empty() : OptionalInt.of(p);
            }
        };
    }
}
