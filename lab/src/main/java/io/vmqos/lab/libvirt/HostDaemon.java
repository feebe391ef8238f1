package io.vmqos.lab.libvirt;

import io.vmqos.lab.Commands;
import io.vmqos.lab.LabSetupException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * A libvirt daemon ({@code libvirtd}, {@code virtlogd}) run without systemd: found by its process name in /proc,
 * started with {@code NAME -d} (it daemonises and writes {@code /run/NAME.pid}), stopped with SIGTERM (SIGKILL
 * after a grace period). Stateless apart from the names; any thread. Only {@link LibvirtLab} stops daemons, and
 * only those it started.
 *
 * @param name    process name and executable, e.g. "libvirtd"
 * @param pidFile where the daemon writes its pid when started with -d
 */
record HostDaemon(String name, Path pidFile) {
    static final HostDaemon LIBVIRTD = new HostDaemon("libvirtd", Path.of("/run/libvirtd.pid"));
    static final HostDaemon VIRTLOGD = new HostDaemon("virtlogd", Path.of("/run/virtlogd.pid"));

    /** The pid of a live (not zombie) process named {@link #name}, if any. */
    OptionalInt running() {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                if (f.isEmpty() || !Character.isDigit(f.charAt(0))) continue;
                int pid;
                try {
                    pid = Integer.parseInt(f);
                } catch (NumberFormatException e) {
                    continue;
                }
                if (isLive(pid)) return OptionalInt.of(pid);
            }
        } catch (IOException e) {
            throw new LabSetupException("cannot list /proc: " + e, "run on Linux with /proc mounted", e);
        }
        return OptionalInt.empty();
    }

    /** Whether {@code pid} is a live process named {@link #name} (comm matches, state not zombie/dead). */
    boolean isLive(int pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return false;
        }
        // "pid (comm) S ...": comm may contain spaces and parentheses, so split at the last ')'.
        int open = stat.indexOf('('), close = stat.lastIndexOf(')');
        if (open < 0 || close < open || close + 2 >= stat.length()) return false;
        char state = stat.charAt(close + 2);
        return stat.substring(open + 1, close).equals(name) && state != 'Z' && state != 'X';
    }

    /**
     * Starts the daemon ({@code NAME -d}) and returns its pid once it is up.
     *
     * @throws LabSetupException the command failed or no live process appeared within {@code timeout}
     */
    int start(Duration timeout) {
        Commands.Result r = Commands.run(List.of(name, "-d"), Duration.ofSeconds(60));
        if (!r.ok()) {
            throw new LabSetupException(name + " -d failed (exit " + r.exitCode() + "): " + r.stderr().strip(),
                    "read /var/log/libvirt/" + name + ".log; as root run `" + name + " -v` in the foreground to see why");
        }
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            OptionalInt fromFile = readPidFile();
            if (fromFile.isPresent() && isLive(fromFile.getAsInt())) return fromFile.getAsInt();
            sleep(20);
        }
        OptionalInt any = running();
        if (any.isPresent()) return any.getAsInt();
        throw new LabSetupException(name + " -d returned but no live " + name + " process appeared within "
                + timeout.toSeconds() + " s", "read /var/log/libvirt/" + name + ".log");
    }

    /** Sends SIGTERM to {@code pid} (if it is still this daemon), SIGKILL after {@code grace}; returns once it is gone. */
    void stop(int pid, Duration grace) {
        if (!isLive(pid)) return;
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        if (waitGone(pid, grace)) return;
        if (isLive(pid)) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        if (!waitGone(pid, Duration.ofSeconds(5))) {
            throw new LabSetupException(name + " (pid " + pid + ") did not exit after SIGKILL", "check `ps -p " + pid + "`");
        }
    }

    private boolean waitGone(int pid, Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (isLive(pid)) {
            if (System.nanoTime() > end) return false;
            sleep(20);
        }
        return true;
    }

    private OptionalInt readPidFile() {
        try {
            return OptionalInt.of(Integer.parseInt(Files.readString(pidFile, StandardCharsets.US_ASCII).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabSetupException("interrupted while waiting for a libvirt daemon", "retry", e);
        }
    }
}
