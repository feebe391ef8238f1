package io.vmqos.lab.libvirt;

import io.vmqos.lab.Cleanup;
import io.vmqos.lab.Commands;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.LabSetupException;
import io.vmqos.lab.Packages;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * A real libvirt (qemu:///system) on this host, set up for the lab without systemd, and the transient TCG domains
 * started through it.
 *
 * <p>{@link #start()} makes sure, as root: the Debian packages in {@link #PACKAGES} are installed; the
 * {@value #QEMU_USER} system user exists (libvirt's built-in default QEMU user on Debian; created with
 * {@code useradd --system} when missing, and left in place); it is in group {@code kvm} and /dev/kvm is
 * {@code g+rw} for that group (see {@link KvmDeviceAccess} for why, undone on close); /var/log/libvirt/qemu
 * exists (the daemons refuse to start without their log directory); {@code virtlogd -d} and {@code libvirtd -d}
 * run. Every step that changed the host is listed in {@link #setupSteps()}.
 *
 * <p>{@link #close()} destroys the domains still running, stops only the daemons this instance started
 * (pre-existing ones are left alone), puts /dev/kvm back and removes the directories it created (including the empty {@code machine} cgroups
 * a libvirtd it started created). It is
 * idempotent, thread-safe, and also runs from the JVM shutdown hook ({@link Cleanup}). Use one instance per JVM
 * at a time: a second one would see the first one's daemons as pre-existing.
 */
public final class LibvirtLab implements AutoCloseable {
    /** Debian packages the lab's libvirt needs (the CI script installs them). */
    public static final List<String> PACKAGES = List.of("libvirt-daemon", "libvirt-clients", "libvirt-daemon-driver-qemu", "qemu-system-x86");
    /** The user libvirt runs QEMU as (Debian's build default when /etc/libvirt/qemu.conf sets none). */
    public static final String QEMU_USER = "libvirt-qemu";
    /** Parent of the per-domain directories holding the kernel/initrd copies and the console log. */
    public static final Path IMAGES = Path.of("/var/lib/libvirt/images/vmqos-lab");
    static final Path LOG_DIR = Path.of("/var/log/libvirt/qemu");
    static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    static final Duration DAEMON_TIMEOUT = Duration.ofSeconds(60);

    private final List<String> steps = new ArrayList<>();
    private final List<LibvirtDomain> domains = new ArrayList<>();
    private final List<Path> createdDirs = new ArrayList<>(); // parents first
    private int startedLibvirtd = -1;
    private int startedVirtlogd = -1;
    private KvmDeviceAccess kvm;
    private List<Path> machineCgroupsBefore = List.of();
    private Cleanup.Registration registration;
    private boolean closed;

    private LibvirtLab() {}

    /**
     * Sets libvirt up and returns once {@code virsh -c qemu:///system} answers.
     *
     * @throws LabSetupException not root, a package cannot be installed, or a daemon does not start (the message
     *                           names the log to read); whatever was started so far is undone
     */
    public static LibvirtLab start() {
        if (!Packages.isRoot()) {
            throw new LabSetupException("the libvirt lab needs root (system daemons, users, /dev/kvm)", "run as root");
        }
        LibvirtLab lab = new LibvirtLab();
        lab.registration = Cleanup.register("libvirt lab", lab);
        try {
            lab.setUp();
        } catch (RuntimeException e) {
            try {
                lab.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return lab;
    }

    private void setUp() {
        List<String> missing = Packages.missing(PACKAGES);
        if (!missing.isEmpty()) {
            Packages.ensure(PACKAGES);
            steps.add("installed " + missing);
        }
        if (!SystemAccounts.userExists(QEMU_USER)) {
            SystemAccounts.createSystemUser(QEMU_USER, "/var/lib/libvirt");
            steps.add("created system user and group " + QEMU_USER);
        }
        if (Files.exists(KvmDeviceAccess.DEVICE)) {
            if (!SystemAccounts.groupExists(KvmDeviceAccess.GROUP)) {
                SystemAccounts.createSystemGroup(KvmDeviceAccess.GROUP);
                steps.add("created system group " + KvmDeviceAccess.GROUP);
            }
            if (!SystemAccounts.inGroup(QEMU_USER, KvmDeviceAccess.GROUP)) {
                SystemAccounts.addToGroup(QEMU_USER, KvmDeviceAccess.GROUP);
                steps.add("added " + QEMU_USER + " to group " + KvmDeviceAccess.GROUP);
            }
            kvm = KvmDeviceAccess.grant();
            if (kvm != null) steps.add("changed " + kvm.describe() + " (restored on close)");
        }
        mkdirs(LOG_DIR);
        OptionalInt logd = HostDaemon.VIRTLOGD.running();
        if (logd.isEmpty()) {
            startedVirtlogd = HostDaemon.VIRTLOGD.start(DAEMON_TIMEOUT);
            steps.add("started virtlogd -d (pid " + startedVirtlogd + ")");
        }
        OptionalInt vd = HostDaemon.LIBVIRTD.running();
        if (vd.isEmpty()) {
            machineCgroupsBefore = machineCgroups();
            startedLibvirtd = HostDaemon.LIBVIRTD.start(DAEMON_TIMEOUT);
            steps.add("started libvirtd -d (pid " + startedLibvirtd + ")");
        }
        awaitConnection();
    }

    private void awaitConnection() {
        long end = System.nanoTime() + DAEMON_TIMEOUT.toNanos();
        Commands.Result r;
        do {
            r = Virsh.run(Duration.ofSeconds(30), "uri");
            if (r.ok()) return;
            HostDaemon.sleep(100);
        } while (System.nanoTime() < end);
        throw new LabSetupException("libvirtd runs but `virsh -c " + Virsh.URI + " uri` fails: " + r.stderr().strip(),
                "read /var/log/libvirt/libvirtd.log");
    }

    /** Boots {@code spec} from {@code image} with the default boot timeout (180 s: TCG on a busy 2-CPU host). */
    public LibvirtDomain startDomain(GuestImage image, DomainSpec spec) {
        return startDomain(image, spec, Duration.ofSeconds(180));
    }

    /**
     * Creates a transient domain ({@code virsh create}) and returns once its guest printed
     * {@link GuestImage#READY_MARKER}. Copies the kernel and initrd to {@code IMAGES/NAME/} so the QEMU user can
     * read them (libvirt's dynamic ownership chowns the copies while the domain runs).
     *
     * @throws LabSetupException the domain did not start or boot in time (it is destroyed again; the message
     *                           carries the tail of the console and of libvirt's QEMU log)
     */
    public LibvirtDomain startDomain(GuestImage image, DomainSpec spec, Duration bootTimeout) {
        return startDomain(image, spec, bootTimeout, "");
    }

    /**
     * As {@link #startDomain(GuestImage, DomainSpec, Duration)}, with {@code metadata} under the domain's
     * {@code <metadata>} (e.g. vmqos's).
     */
    public LibvirtDomain startDomain(GuestImage image, DomainSpec spec, Duration bootTimeout, String metadata) {
        synchronized (this) {
            if (closed) throw new IllegalStateException("libvirt lab is closed");
        }
        mkdirs(IMAGES);
        LibvirtDomain d = LibvirtDomain.create(image, spec, IMAGES.resolve(spec.name()), bootTimeout, metadata);
        synchronized (this) {
            domains.add(d);
        }
        return d;
    }

    /** The host changes this instance made while starting, in order (empty when everything was already set up). */
    public synchronized List<String> setupSteps() { return List.copyOf(steps); }

    /** Whether this instance started libvirtd (and so will stop it on close). */
    public synchronized boolean startedLibvirtd() { return startedLibvirtd > 0; }

    /** Whether this instance started virtlogd (and so will stop it on close). */
    public synchronized boolean startedVirtlogd() { return startedVirtlogd > 0; }

    private void mkdirs(Path dir) {
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) missing.addFirst(p);
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
                // QEMU runs as libvirt-qemu and must traverse these to reach the image copies.
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                throw new LabSetupException("cannot create " + p + ": " + e, "check permissions of " + p.getParent(), e);
            }
            synchronized (this) {
                createdDirs.add(p);
                steps.add("created directory " + p);
            }
        }
    }

    @Override
    public void close() {
        List<LibvirtDomain> live;
        synchronized (this) {
            if (closed) return;
            closed = true;
            live = new ArrayList<>(domains);
        }
        List<RuntimeException> errors = new ArrayList<>();
        for (int i = live.size() - 1; i >= 0; i--) {
            try {
                live.get(i).close();
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        if (startedLibvirtd > 0) destroyLeftoverLabDomains(errors);
        try {
            if (startedLibvirtd > 0) HostDaemon.LIBVIRTD.stop(startedLibvirtd, Duration.ofSeconds(15));
        } catch (RuntimeException e) {
            errors.add(e);
        }
        if (startedLibvirtd > 0) removeNewMachineCgroups();
        try {
            if (startedVirtlogd > 0) HostDaemon.VIRTLOGD.stop(startedVirtlogd, Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            errors.add(e);
        }
        try {
            if (kvm != null) kvm.restore();
        } catch (RuntimeException e) {
            errors.add(e);
        }
        for (int i = createdDirs.size() - 1; i >= 0; i--) {
            Path p = createdDirs.get(i);
            // Only if empty: the log directory may hold logs of other domains by now.
            try {
                Files.deleteIfExists(p);
            } catch (IOException notEmpty) {
                // kept
            }
        }
        if (registration != null) registration.unregister();
        if (!errors.isEmpty()) {
            RuntimeException first = errors.getFirst();
            for (int i = 1; i < errors.size(); i++) first.addSuppressed(errors.get(i));
            throw first;
        }
    }

    /**
     * Before stopping a libvirtd we started: destroys any lab domain ({@code vqlv-*}) it still runs, e.g. one whose
     * owner died, so that no QEMU outlives the daemon.
     */
    private static void destroyLeftoverLabDomains(List<RuntimeException> errors) {
        for (String name : Virsh.allDomainNames()) {
            if (!name.startsWith(DomainSpec.NAME_PREFIX)) continue;
            Commands.Result r = Virsh.run(Duration.ofSeconds(60), "destroy", name);
            if (!r.ok() && !Virsh.run("domstate", name).stdout().contains("shut off")) {
                errors.add(new LabSetupException("cannot destroy leftover lab domain " + name + ": " + r.stderr().strip(),
                        "run `virsh -c " + Virsh.URI + " destroy " + name + "`"));
            }
        }
    }

    /** libvirt's per-controller "machine" cgroup partitions (cgroup v1 without systemd: /sys/fs/cgroup/CTRL/machine). */
    private static List<Path> machineCgroups() {
        List<Path> out = new ArrayList<>();
        try (var s = Files.list(CGROUP_ROOT)) {
            for (Path ctrl : s.toList()) {
                Path m = ctrl.resolve("machine");
                if (Files.isDirectory(m)) out.add(m);
            }
        } catch (IOException e) {
            // no cgroup filesystem: nothing to track
        }
        return out;
    }

    /** Removes the (empty) machine cgroups the libvirtd we started created; cgroups still in use stay. */
    private void removeNewMachineCgroups() {
        for (Path m : machineCgroups()) {
            if (machineCgroupsBefore.contains(m)) continue;
            try (var s = Files.walk(m)) {
                for (Path d : s.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList()) {
                    try {
                        Files.delete(d); // rmdir; fails on a cgroup that still has tasks
                    } catch (IOException busy) {
                        // left in place
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // left in place
            }
        }
    }

    @Override
    public String toString() {
        return "LibvirtLab[" + Virsh.URI + ", started libvirtd=" + startedLibvirtd() + " virtlogd=" + startedVirtlogd()
                + ", steps=" + setupSteps() + "]";
    }
}
