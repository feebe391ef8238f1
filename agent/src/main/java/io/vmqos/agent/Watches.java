package io.vmqos.agent;

import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.config.VmLocator;
import io.vmqos.linux.DirectoryWatch;
import io.vmqos.linux.ProcEvent;
import io.vmqos.linux.ProcEvents;
import io.vmqos.linux.ProcEventsUnavailableException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's event sources, each turned into a {@link Wakeup} reason:
 * <ul>
 *   <li>inotify ({@link DirectoryWatch}) on the configuration file's directory, on every QMP socket's directory (a
 *       QEMU starting re-creates its socket) and on libvirt's pid file directories (a domain starting writes
 *       {@code NAME.pid});</li>
 *   <li>the kernel's process events connector ({@link ProcEvents}) for the followed QEMU processes: a new thread
 *       (vCPU hot-plug, an iothread added), a thread renamed (QEMU names a new vCPU {@code CPU n/...}), the process
 *       exiting.</li>
 * </ul>
 * QMP events are not used: QEMU serves one QMP client at a time, and holding its monitor would lock the operator's
 * and libvirt's tools out; the kernel tells the same (exit, new threads) without it.
 *
 * <p>{@link #update} is called by the agent's duty thread; the listeners run on the watchers' own threads and only
 * signal. {@link #close} is idempotent.
 */
final class Watches implements AutoCloseable {
    private final Wakeup wakeup;
    private final Log log;
    private final Map<Integer, String> followed = new ConcurrentHashMap<>();
    private final java.util.function.Function<VmLocator, java.util.OptionalInt> pidOf;
    /** What a change of each watched file means: its wake-up reason, and the VM whose QEMU it names (null: the configuration). */
    private record Target(String reason, String vm, VmLocator locator) {}
    private volatile Map<Path, Target> files = Map.of();
    private volatile Set<Path> statusDirs = Set.of();
    private DirectoryWatch dirs;
    private Set<Path> dirSet = Set.of();
    private ProcEvents proc;
    private boolean procTried;

    /** @param pidOf the pid of the QEMU a locator names now, found cheaply (no QMP exchange) */
    Watches(Wakeup wakeup, Log log, java.util.function.Function<VmLocator, java.util.OptionalInt> pidOf) {
        this.wakeup = wakeup;
        this.log = log;
        this.pidOf = pidOf;
    }

    /**
     * Watches what {@code cfg} (read from {@code config}) and the running VMs ({@code pids}: QEMU pid → VM name) need.
     */
    void update(Path config, HostConfig cfg, Map<Integer, String> pids, Collection<Path> libvirtPidDirs) {
        update(config, cfg, pids, libvirtPidDirs, false);
    }

    /**
     * @param libvirtStatus also wake on any change of libvirt's status files ({@code NAME.xml} in the existing ones of
     *     {@code libvirtPidDirs}), with a reason starting {@link HostAgent#STATUS_REASON}: a domain with vmqos metadata
     *     appearing or going
     */
    void update(Path config, HostConfig cfg, Map<Integer, String> pids, Collection<Path> libvirtPidDirs, boolean libvirtStatus) {
        Map<Path, Target> f = new ConcurrentHashMap<>();
        f.put(config.toAbsolutePath().normalize(), new Target("configuration " + config + " changed", null, null));
        for (VmConfig vm : cfg.vms()) {
            switch (vm.locator()) {
                case VmLocator.Qmp q -> f.put(Path.of(q.path()).toAbsolutePath().normalize(), new Target("vm " + vm.name() + ": QMP socket", vm.name(), q));
                case VmLocator.Domain d -> {
                    for (Path dir : libvirtPidDirs) f.put(dir.resolve(d.name() + ".pid"), new Target("vm " + vm.name() + ": libvirt pid file", vm.name(), d));
                }
                case VmLocator.Pid p -> { }
            }
        }
        files = f;
        Set<Path> want = new TreeSet<>();
        for (Path p : f.keySet()) want.add(p.getParent());
        Set<Path> status = new TreeSet<>();
        if (libvirtStatus) for (Path d : libvirtPidDirs) if (java.nio.file.Files.isDirectory(d)) status.add(d);
        statusDirs = Set.copyOf(status);
        want.addAll(status);
        if (!want.equals(dirSet)) {
            if (dirs != null) dirs.close();
            try {
                dirs = DirectoryWatch.open(want, this::changed);
                dirSet = want;
            } catch (IOException e) {
                log.warn("cannot watch " + want + " (" + e.getMessage() + "): changes there are seen at the next periodic reconcile");
                dirs = null;
                dirSet = Set.of();
            }
        }
        followed.clear();
        followed.putAll(pids);
        // a configured VM the reconcile could not read yet (its QEMU still starting) is followed from now on, so that
        // the naming of its vCPU threads wakes the agent
        for (VmConfig vm : cfg.vms()) {
            if (!pids.containsValue(vm.name())) pidOf.apply(vm.locator()).ifPresent(pid -> followed.put(pid, vm.name()));
        }
        if (proc == null && !procTried) {
            procTried = true;
            try {
                proc = ProcEvents.open(followed::containsKey, this::event);
            } catch (ProcEventsUnavailableException e) {
                log.warn("the kernel's process events are not available (" + e.getMessage() + "): new threads of a VM are seen at the next "
                        + "periodic reconcile");
            }
        }
    }

    private void changed(Path dir, Path name, DirectoryWatch.Kind kind) {
        if (kind == DirectoryWatch.Kind.OVERFLOW) {
            wakeup.signal("file events lost in " + dir);
            return;
        }
        Target what = files.get(dir.resolve(name));
        if (what == null) {
            if (statusDirs.contains(dir) && name.toString().endsWith(".xml")) {
                wakeup.signal(HostAgent.STATUS_REASON + dir.resolve(name) + " " + kind.name().toLowerCase(java.util.Locale.ROOT));
            }
            return;
        }
        if (what.locator() != null && kind != DirectoryWatch.Kind.DELETED) {
            // a QEMU (re)starting: follow its threads before the reconcile, which may run before its vCPUs exist
            try {
                pidOf.apply(what.locator()).ifPresent(pid -> followed.put(pid, what.vm()));
            } catch (RuntimeException e) {
                log.warn("cannot tell which process serves " + dir.resolve(name) + ": " + e.getMessage());
            }
        }
        wakeup.signal(what.reason() + " " + kind.name().toLowerCase(java.util.Locale.ROOT));
    }

    private void event(ProcEvent e) {
        switch (e) {
            case ProcEvent.Fork f when f.isThread() && followed.containsKey(f.childTgid()) ->
                    wakeup.signal("vm " + followed.get(f.childTgid()) + ": new thread " + f.childTid());
            case ProcEvent.Comm c when followed.containsKey(c.tgid()) && c.tid() != c.tgid() ->
                    wakeup.signal("vm " + followed.get(c.tgid()) + ": thread " + c.tid() + " named " + c.comm());
            case ProcEvent.Exit x when x.tid() == x.tgid() && followed.containsKey(x.tgid()) ->
                    wakeup.signal("vm " + followed.get(x.tgid()) + ": QEMU pid " + x.tgid() + " exited");
            case ProcEvent.Overrun o -> wakeup.signal("process events lost");
            default -> { }
        }
    }

    /** True when process events arrive (else only the periodic reconcile sees new threads). */
    boolean followsThreads() { return proc != null && proc.isOpen(); }

    @Override
    public void close() {
        if (dirs != null) dirs.close();
        if (proc != null) proc.close();
        dirs = null;
        proc = null;
    }
}
