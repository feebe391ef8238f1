package io.vmqos.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Access to the scheduler's debugfs files: makes sure debugfs is mounted (mounting it at
 * {@code /sys/kernel/debug} when absent) and reads {@code sched/debug} and the deadline servers'
 * {@code sched/<server>/cpuN/{runtime,period}}.
 *
 * <p>Needs root. Any thread may call it; {@link #ensureMounted()} is idempotent (it mounts at most once and
 * never unmounts: debugfs is a system-wide mount that other tools expect to stay).
 */
public final class DebugFs {
    /** Where debugfs is conventionally mounted. */
    public static final Path DEFAULT_MOUNT = Path.of("/sys/kernel/debug");

    private final Path mount;
    private final Path mountInfo;
    private volatile boolean mounted;

    /** debugfs at {@link #DEFAULT_MOUNT}. */
    public DebugFs() { this(DEFAULT_MOUNT, Path.of("/proc/self/mountinfo")); }

    /** For tests: a directory that stands for debugfs (considered mounted when {@code mountInfo} is null). */
    public DebugFs(Path mount, Path mountInfo) {
        this.mount = mount;
        this.mountInfo = mountInfo;
        this.mounted = mountInfo == null;
    }

    /** The mount point. */
    public Path mountPoint() { return mount; }

    /**
     * Mounts debugfs at the mount point unless it already is mounted there.
     *
     * @throws LedgerUnavailableException when it is absent and {@code mount -t debugfs} fails (not root, no
     *     CONFIG_DEBUG_FS, debugfs=off on the kernel command line)
     */
    public void ensureMounted() {
        if (mounted) return;
        synchronized (this) {
            if (mounted) return;
            if (!isMounted()) mount();
            mounted = true;
        }
    }

    private boolean isMounted() {
        try {
            String mp = mount.toAbsolutePath().normalize().toString();
            return MountTable.parse(Files.readString(mountInfo)).stream()
                    .anyMatch(m -> m.fsType().equals("debugfs") && m.mountPoint().equals(mp));
        } catch (IOException e) {
            return Files.isRegularFile(mount.resolve("sched/debug"));
        }
    }

    private void mount() {
        String cmd = "mount -t debugfs none " + mount;
        try {
            Process p = new ProcessBuilder("mount", "-t", "debugfs", "none", mount.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new LedgerUnavailableException("debugfs is not mounted and '" + cmd + "' hung; fix: mount it by hand");
            }
            if (p.exitValue() != 0) {
                throw new LedgerUnavailableException("debugfs is not mounted at " + mount + " and '" + cmd + "' failed ("
                        + out + "); fix: run as root on a kernel with CONFIG_DEBUG_FS and without debugfs=off, "
                        + "or mount it yourself");
            }
        } catch (IOException e) {
            throw new LedgerUnavailableException("debugfs is not mounted at " + mount + " and '" + cmd
                    + "' could not be started (" + e.getMessage() + "); fix: install util-linux mount or mount debugfs yourself", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerUnavailableException("interrupted while mounting debugfs", e);
        }
    }

    /**
     * A generated file (size 0 in its attributes) in one buffer: {@link Files#readString} grows and copies its buffer
     * and decodes UTF-8 (measured: about twice the time of this, for {@code sched/debug}).
     */
    private static String readWhole(Path f) throws IOException {
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(f)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64 * 1024);
            while (c.read(b) >= 0) {
                if (!b.hasRemaining()) b = java.nio.ByteBuffer.allocate(b.capacity() * 2).put(b.flip());
            }
            return new String(b.array(), 0, b.position(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * The text of {@code sched/debug} (one read; the kernel builds it CPU by CPU, so it is not an atomic
     * snapshot).
     *
     * @throws LedgerUnavailableException when the file is missing or unreadable, naming why
     */
    public String readSchedDebug() {
        ensureMounted();
        Path f = mount.resolve("sched/debug");
        try {
            return readWhole(f);
        } catch (NoSuchFileException e) {
            throw new LedgerUnavailableException(f + " does not exist; fix: use Linux 5.13 or later (older kernels print "
                    + "/proc/sched_debug) built with CONFIG_SCHED_DEBUG", e);
        } catch (FileSystemException e) {
            if (!(e instanceof AccessDeniedException) && !isPermission(e)) {
                throw new LedgerUnavailableException("cannot read " + f + ": " + e.getMessage(), e);
            }
            throw new LedgerUnavailableException(f + " is not readable (" + e.getMessage() + "); fix: run as root; a kernel "
                    + "in lockdown=confidentiality refuses debugfs entirely", e);
        } catch (IOException e) {
            throw new LedgerUnavailableException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code sched/<server>/cpu<cpu>/<file>} (e.g. {@code fair_server}, {@code cpu0}, {@code runtime}) as a
     * number of nanoseconds.
     *
     * @return empty when the file does not exist (kernel without that server)
     * @throws AccessDeniedException when the kernel refuses the read; under lockdown=integrity debugfs refuses every
     *     file that has a write bit, which includes these
     */
    public OptionalLong readServerValue(String server, int cpu, String file) throws AccessDeniedException {
        ensureMounted();
        Path f = mount.resolve("sched").resolve(server).resolve("cpu" + cpu).resolve(file);
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(f).strip()));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (AccessDeniedException e) {
            throw e;
        } catch (FileSystemException e) {
            // EPERM (lockdown) surfaces as a plain FileSystemException, EACCES as AccessDeniedException
            if (isPermission(e)) throw new AccessDeniedException(f.toString(), null, e.getReason());
            throw new LedgerUnavailableException("cannot read " + f + ": " + e.getMessage(), e);
        } catch (IOException | NumberFormatException e) {
            throw new LedgerUnavailableException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    private static boolean isPermission(FileSystemException e) {
        return e.getReason() != null && e.getReason().contains("Operation not permitted");
    }

    /** True when {@code sched/<server>} exists (e.g. {@code ext_server} only on kernels with it). */
    public boolean hasServer(String server) {
        ensureMounted();
        return Files.isDirectory(mount.resolve("sched").resolve(server));
    }
}
