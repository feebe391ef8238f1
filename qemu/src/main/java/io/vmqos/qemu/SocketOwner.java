package io.vmqos.qemu;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Finds the QEMU process serving a UNIX socket path, standing in for SO_PEERCRED (whose pid plain NIO does not
 * expose): the socket's inodes from /proc/net/unix, then the qemu process holding one of them in /proc/PID/fd.
 * Only processes whose comm starts with {@code qemu} are searched, to keep the scan cheap. Any thread.
 */
final class SocketOwner {
    private static final long SO_ACCEPTCON = 0x10000;

    private SocketOwner() {}

    /** The pid of the qemu process listening on the path, or empty if not found (other netns, renamed comm). */
    static OptionalInt find(ProcView proc, Path socket) { return find(proc, socket, OptionalInt.empty()); }

    /** As {@link #find(ProcView, Path)}, looking at {@code hint} (the owner found last time) first. */
    static OptionalInt find(ProcView proc, Path socket, OptionalInt hint) {
        // the hint is looked up in its own network namespace's socket table (a QEMU started in a namespace, as the
        // lab's are, lists its sockets there, not in ours)
        if (hint.isPresent() && proc.comm(hint.getAsInt()).startsWith("qemu")) {
            long[] own = inodes(proc.netUnix(hint.getAsInt()), socket);
            if (own.length > 0 && proc.holdsSocket(hint.getAsInt(), own)) return hint;
        }
        long[] inodes = inodes(proc, socket);
        if (inodes.length == 0) return OptionalInt.empty();
        for (int pid : proc.pids()) {
            if (proc.comm(pid).startsWith("qemu") && proc.holdsSocket(pid, inodes)) return OptionalInt.of(pid);
        }
        return OptionalInt.empty();
    }

    /** Inodes of the sockets bound to the path: listening ones if any, else all. */
    static long[] inodes(ProcView proc, Path socket) { return inodes(proc.netUnix(), socket); }

    /** {@link #inodes(ProcView, Path)} in the given {@code /proc/net/unix} lines. */
    static long[] inodes(java.util.List<String> netUnix, Path socket) {
        Set<String> names = new HashSet<>();
        Path abs = socket.toAbsolutePath().normalize();
        names.add(abs.toString());
        try {
            names.add(abs.toRealPath().toString());
        } catch (IOException e) {
            // the path vanished: the absolute form is all we have
        }
        long[] listening = new long[4];
        long[] any = new long[4];
        int nl = 0;
        int na = 0;
        for (String line : netUnix) {
            // Num RefCount Protocol Flags Type St Inode Path
            String[] f = line.trim().split("\\s+", 8);
            if (f.length < 8 || !names.contains(f[7])) continue;
            long flags;
            long inode;
            try {
                flags = Long.parseLong(f[3], 16);
                inode = Long.parseLong(f[6]);
            } catch (NumberFormatException e) {
                continue;
            }
            if (na == any.length) any = Arrays.copyOf(any, na * 2);
            any[na++] = inode;
            if ((flags & SO_ACCEPTCON) != 0) {
                if (nl == listening.length) listening = Arrays.copyOf(listening, nl * 2);
                listening[nl++] = inode;
            }
        }
        return nl > 0 ? Arrays.copyOf(listening, nl) : Arrays.copyOf(any, na);
    }
}
