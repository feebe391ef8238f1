package io.vmqos.lab.libvirt;

import io.vmqos.lab.Cleanup;
import io.vmqos.lab.Commands;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.LabSetupException;
import io.vmqos.qemu.VmDiscovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A running transient libvirt domain of the lab guest, started by {@link LibvirtLab#startDomain}, whose guest
 * printed {@link GuestImage#READY_MARKER}. {@link #close()} runs {@code virsh destroy}, waits until QEMU and its
 * pidfile are gone, and deletes the domain directory (image copies, XML, console log) and libvirt's per-domain QEMU
 * log. close() is idempotent and thread-safe; it also runs from the JVM shutdown hook ({@link Cleanup}).
 */
public final class LibvirtDomain implements AutoCloseable {
    private final DomainSpec spec;
    private final Path directory;
    private final String xml;
    private final int pid;
    private final Duration createTime;
    private final Duration bootTime;
    private final long createdAtNanos;
    private final Cleanup.Registration registration;
    private boolean closed;

    private LibvirtDomain(DomainSpec spec, Path directory, String xml, int pid, Duration createTime, Duration bootTime, long createdAtNanos) {
        this.createdAtNanos = createdAtNanos;
        this.spec = spec;
        this.directory = directory;
        this.xml = xml;
        this.pid = pid;
        this.createTime = createTime;
        this.bootTime = bootTime;
        this.registration = Cleanup.register("libvirt domain " + spec.name() + " (pid " + pid + ")", this);
    }

    static LibvirtDomain create(GuestImage image, DomainSpec spec, Path dir, Duration bootTimeout, String metadata) {
        if (Files.exists(pidFile(spec.name()))) {
            throw new LabSetupException("libvirt domain " + spec.name() + " is already running", "pick another name (DomainSpec.random())");
        }
        Path kernel = dir.resolve("vmlinuz"), initrd = dir.resolve("initrd.gz"), console = dir.resolve("console.log");
        Path xmlFile = dir.resolve("domain.xml");
        String xml = DomainXml.build(spec, kernel, initrd, console, metadata);
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw new LabSetupException("cannot create " + dir + " for domain " + spec.name() + ": " + e,
                    "pick another domain name, or remove " + dir + " if no domain of that name runs", e);
        }
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.copy(image.kernel(), kernel, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(image.initrd(), initrd, StandardCopyOption.REPLACE_EXISTING);
            for (Path p : new Path[] {kernel, initrd}) {
                Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.writeString(xmlFile, xml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            deleteTree(dir);
            throw new LabSetupException("cannot prepare " + dir + " for domain " + spec.name() + ": " + e,
                    "check free space and permissions under " + dir.getParent(), e);
        }

        // Until this object exists and registers itself, a Ctrl-C must still destroy the half-booted domain.
        Cleanup.Registration booting = Cleanup.register("booting libvirt domain " + spec.name(), () -> {
            destroy(spec.name(), readPid(spec.name()));
            deleteTree(dir);
        });
        try {
            return boot(image, spec, dir, xmlFile, xml, bootTimeout);
        } finally {
            booting.unregister();
        }
    }

    private static LibvirtDomain boot(GuestImage image, DomainSpec spec, Path dir, Path xmlFile, String xml, Duration bootTimeout) {
        Path console = dir.resolve("console.log");
        long t0 = System.nanoTime();
        Commands.Result created = Virsh.run(Duration.ofSeconds(180), "create", xmlFile.toString());
        long tCreated = System.nanoTime();
        if (!created.ok()) {
            String why = created.stderr().strip();
            String log = tail(qemuLog(spec.name()), 15);
            deleteTree(dir);
            deleteQuietly(qemuLog(spec.name()));
            throw new LabSetupException("virsh create of domain " + spec.name() + " failed (exit " + created.exitCode() + "): "
                    + why + (log.isEmpty() ? "" : "\nlibvirt QEMU log:\n" + log),
                    "read /var/log/libvirt/libvirtd.log; run `virsh -c " + Virsh.URI + " create " + xmlFile + "` by hand");
        }

        int pid = -1;
        String why = null;
        long deadline = t0 + bootTimeout.toNanos();
        while (true) {
            if (pid <= 0) pid = readPid(spec.name());
            String text = readQuietly(console);
            if (text.contains(GuestImage.READY_MARKER) && pid > 0) break;
            if (text.contains("VMQOS-GUEST-ERROR")) { why = "the guest reported an error"; break; }
            if (pid > 0 && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) { why = "QEMU (pid " + pid + ") exited"; break; }
            if (System.nanoTime() > deadline) {
                why = pid > 0 ? "no " + GuestImage.READY_MARKER + " on the console within " + bootTimeout.toSeconds() + " s"
                        : "no pidfile " + pidFile(spec.name()) + " within " + bootTimeout.toSeconds() + " s";
                break;
            }
            HostDaemon.sleep(50);
        }
        long tReady = System.nanoTime();
        if (why != null) {
            String consoleTail = tail(console, 15), logTail = tail(qemuLog(spec.name()), 15);
            destroy(spec.name(), pid);
            deleteTree(dir);
            deleteQuietly(qemuLog(spec.name()));
            throw new LabSetupException("libvirt domain " + spec.name() + " did not boot: " + why
                    + "\nconsole tail:\n" + consoleTail + "\nlibvirt QEMU log tail:\n" + logTail,
                    "check that " + image.kernel() + " boots under plain QEMU (LabVmIntegrationTest), and read the log above");
        }
        return new LibvirtDomain(spec, dir, xml, pid, Duration.ofNanos(tCreated - t0), Duration.ofNanos(tReady - t0), tCreated);
    }

    public DomainSpec spec() { return spec; }

    /** The domain name, as {@code virsh list} and {@code vmqos vm ... --domain} take it. */
    public String name() { return spec.name(); }

    /** QEMU's pid, from libvirt's pidfile ({@code /run/libvirt/qemu/NAME.pid}). */
    public int pid() { return pid; }

    /** The domain XML given to {@code virsh create}. */
    public String xml() { return xml; }

    /** Serial console log file (created by libvirt, root 0600). */
    public Path consoleLog() { return directory.resolve("console.log"); }

    /** Serial console output so far. */
    public String console() { return readQuietly(consoleLog()); }

    /** How long {@code virsh create} took (libvirt's setup and QEMU start, before the guest runs). */
    public Duration createTime() { return createTime; }

    /** When {@code virsh create} returned ({@link System#nanoTime()}). */
    public long createdAtNanos() { return createdAtNanos; }

    /** From {@code virsh create} to the ready marker on the console (includes {@link #createTime()}). */
    public Duration bootTime() { return bootTime; }

    /** Whether QEMU is still running. */
    public boolean isAlive() { return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); }

    /** The domain's libvirt pidfile. */
    public static Path pidFile(String name) { return VmDiscovery.LIBVIRT_PID_DIRS.getFirst().resolve(name + ".pid"); }

    @Override
    public synchronized void close() {
        if (closed) return;
        destroy(spec.name(), pid); // if this throws, the domain stays registered for the shutdown hook
        closed = true;
        deleteTree(directory);
        deleteQuietly(qemuLog(spec.name()));
        registration.unregister();
    }

    /** virsh destroy, then waits for QEMU and the pidfile to be gone. */
    private static void destroy(String name, int pid) {
        Commands.Result r = Virsh.run(Duration.ofSeconds(60), "destroy", name);
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            boolean alive = pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            if (!alive && !Files.exists(pidFile(name))) return;
            HostDaemon.sleep(20);
        }
        throw new LabSetupException("libvirt domain " + name + " (pid " + pid + ") still runs after virsh destroy"
                + (r.ok() ? "" : ": " + r.stderr().strip()), "run `virsh -c " + Virsh.URI + " destroy " + name + "`");
    }

    private static int readPid(String name) {
        try {
            return Integer.parseInt(Files.readString(pidFile(name), StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    static Path qemuLog(String name) { return LibvirtLab.LOG_DIR.resolve(name + ".log"); }

    private static String readQuietly(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(Path p, int lines) {
        java.util.List<String> all = readQuietly(p).lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a log file
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    @Override
    public String toString() {
        return "LibvirtDomain[" + spec.name() + " pid=" + pid + " vcpus=" + spec.vcpus() + " iothreads=" + spec.iothreads()
                + " boot=" + bootTime.toMillis() + "ms]";
    }
}
