package io.vmqos.linux.net;

import io.vmqos.core.net.TapRef;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the taps a QEMU process uses, from procfs alone:
 * <ol>
 *   <li>every {@code /proc/PID/fd/N} that links to {@code /dev/net/tun} is a tun/tap file; its
 *       {@code /proc/PID/fdinfo/N} carries the attached device as {@code iff:\tNAME} (kernel &ge; 4.5);</li>
 *   <li>the namespace: the inode of {@code /proc/PID/ns/net} compared with the inodes of the bind mounts in
 *       {@code /run/netns/*} ({@code ip netns add} names); equal to the caller's own namespace
 *       ({@code /proc/self/ns/net}) means {@code null}. A process in an unnamed namespace (e.g. a container's)
 *       is refused with a fix, since iproute2 can only enter named ones.</li>
 * </ol>
 * A tap opened with multiqueue shows once per queue; names are returned once each, in fd order.
 * Read-only, thread-safe; each call rereads. Needs the right to read the process's fds (root or same user).
 */
public final class TapDiscovery {
    private final Path proc;
    private final Path netnsDir;

    public TapDiscovery() { this(Path.of("/proc"), Path.of("/run/netns")); }

    /** @param proc a procfs root; @param netnsDir where {@code ip netns} keeps its names */
    public TapDiscovery(Path proc, Path netnsDir) {
        this.proc = proc;
        this.netnsDir = netnsDir;
    }

    /**
     * The taps process {@code pid} has open, possibly none.
     *
     * @throws NetPathException NO_SUCH_PROCESS when the process does not exist or its fds cannot be read;
     *     UNNAMED_NAMESPACE when it lives in a network namespace without a {@code /run/netns} name
     */
    public List<TapRef> tapsOf(int pid) {
        Path fdDir = proc.resolve(Integer.toString(pid)).resolve("fd");
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(fdDir)) {
            List<Path> fds = new ArrayList<>();
            ds.forEach(fds::add);
            fds.sort(java.util.Comparator.comparingInt(p -> parseOr(p.getFileName().toString())));
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException | UnsupportedOperationException closed) {
                    continue; // closed meanwhile, or a fake tree's plain file
                }
                if (!target.equals("/dev/net/tun")) continue;
                String iff = iffOf(proc.resolve(Integer.toString(pid)).resolve("fdinfo").resolve(fd.getFileName()));
                if (iff != null && !names.contains(iff)) names.add(iff);
            }
        } catch (IOException e) {
            throw new NetPathException(NetPathException.Reason.NO_SUCH_PROCESS, "pid " + pid,
                    "cannot read the open files of process " + pid + " (" + e.getMessage() + ")",
                    "check the pid (ps -e | grep qemu) and run as root", e);
        }
        if (names.isEmpty()) return List.of();
        String ns = namespaceOf(pid);
        List<TapRef> out = new ArrayList<>(names.size());
        for (String n : names) out.add(new TapRef(n, ns));
        return List.copyOf(out);
    }

    /**
     * Like {@link #tapsOf} but refuses a VM without a tap.
     *
     * @param vm the VM's name for the message (e.g. its {@code -name}), or empty
     * @throws NetPathException NO_TAP naming the VM and the fix
     */
    public List<TapRef> requireTaps(int pid, String vm) {
        List<TapRef> taps = tapsOf(pid);
        if (taps.isEmpty()) {
            String who = vm == null || vm.isEmpty() ? "QEMU pid " + pid : "VM " + vm + " (QEMU pid " + pid + ")";
            throw new NetPathException(NetPathException.Reason.NO_TAP, who,
                    who + " has no tap device open (no /dev/net/tun among /proc/" + pid + "/fd): it uses user-mode, "
                            + "vhost-user or no networking, so there is no host network path to reserve or shape",
                    "start QEMU with a tap backend (-netdev tap,id=n0,ifname=TAP,script=no -device virtio-net-pci,netdev=n0), "
                            + "or reserve its threads without --napi/--shape", null);
        }
        return taps;
    }

    /** The {@code iff:} value of a tun fdinfo file, or null when the fd is not attached to a device yet. */
    static String iffOf(Path fdinfo) {
        try {
            for (String line : Files.readAllLines(fdinfo)) {
                if (line.startsWith("iff:")) {
                    String v = line.substring(4).strip();
                    return v.isEmpty() ? null : v;
                }
            }
        } catch (IOException gone) {
            // closed meanwhile
        }
        return null;
    }

    /** The named namespace of {@code pid}, or null when it shares the caller's. */
    String namespaceOf(int pid) {
        Object mine = inode(proc.resolve("self").resolve("ns").resolve("net"));
        Object theirs = inode(proc.resolve(Integer.toString(pid)).resolve("ns").resolve("net"));
        if (theirs == null) {
            throw new NetPathException(NetPathException.Reason.NO_SUCH_PROCESS, "pid " + pid,
                    "cannot read the network namespace of process " + pid, "run as root and check the pid", null);
        }
        if (theirs.equals(mine)) return null;
        if (Files.isDirectory(netnsDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(netnsDir)) {
                for (Path p : ds) {
                    if (theirs.equals(inode(p))) return p.getFileName().toString();
                }
            } catch (IOException e) {
                // fall through to the refusal
            }
        }
        throw new NetPathException(NetPathException.Reason.UNNAMED_NAMESPACE, "pid " + pid,
                "process " + pid + " runs in a network namespace with no name under " + netnsDir,
                "name it: ip netns attach NAME " + pid + ", then retry", null);
    }

    private static Object inode(Path p) {
        try {
            return Files.getAttribute(p, "unix:ino");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    private static int parseOr(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }
}
