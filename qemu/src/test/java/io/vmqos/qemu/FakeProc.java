package io.vmqos.qemu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds a fake /proc tree in a temp directory for {@link ProcView}. */
final class FakeProc {
    final Path root;

    FakeProc(Path root) { this.root = root; }

    ProcView view() { return new ProcView(root); }

    /** A process with its main thread; argv joined by NULs; exe may be null (unreadable). */
    FakeProc process(int pid, String exe, String comm, String... argv) {
        try {
            Path p = Files.createDirectories(root.resolve(Integer.toString(pid)));
            if (exe != null) Files.createSymbolicLink(p.resolve("exe"), Path.of(exe));
            Files.writeString(p.resolve("comm"), comm + "\n");
            StringBuilder sb = new StringBuilder();
            for (String a : argv) sb.append(a).append('\0');
            Files.writeString(p.resolve("cmdline"), sb);
            Files.writeString(p.resolve("status"), "Name:\t" + comm + "\nTgid:\t" + pid + "\nPid:\t" + pid + "\n");
            Files.createDirectories(p.resolve("fd"));
            return task(pid, pid, comm);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    FakeProc task(int pid, int tid, String comm) {
        try {
            Path t = Files.createDirectories(root.resolve(pid + "/task/" + tid));
            Files.writeString(t.resolve("comm"), comm + "\n");
            // /proc/TID is reachable for every thread even though readdir lists only processes
            Path s = root.resolve(tid + "/status");
            if (tid != pid) {
                Files.createDirectories(s.getParent());
                Files.writeString(s, "Name:\t" + comm + "\nTgid:\t" + pid + "\nPid:\t" + tid + "\n");
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    FakeProc fd(int pid, int fd, String target) {
        try {
            Files.createSymbolicLink(root.resolve(pid + "/fd/" + fd), Path.of(target));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    FakeProc netUnix(String... lines) {
        try {
            Files.createDirectories(root.resolve("net"));
            Files.writeString(root.resolve("net/unix"),
                    "Num       RefCount Protocol Flags    Type St Inode Path\n" + String.join("\n", lines) + "\n");
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
