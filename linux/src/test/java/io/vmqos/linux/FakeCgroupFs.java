package io.vmqos.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A temp directory standing for cgroupfs that records every mutating operation, relative to the root. */
final class FakeCgroupFs implements CgroupFs {
    final Path root;
    final List<String> log = new ArrayList<>();
    /** When set, writes of this value fail like the kernel refusing them. */
    String failValue;
    /** What the kernel does besides storing the value: derived files, moving tasks; by default nothing. */
    Kernel kernel = new Kernel() {};

    /** Kernel behaviour a test can emulate on top of plain files. */
    interface Kernel {
        /** Handles a write; return true when it did the write itself (the plain file write is then skipped). */
        default boolean write(Path file, String value) throws IOException { return false; }

        /** Called after a cgroup directory was created, to add its control files. */
        default void mkdir(Path dir) throws IOException {}

        /** Called before a cgroup directory is removed; throws to refuse (EBUSY while tasks are inside). */
        default void rmdir(Path dir) throws IOException {}
    }

    FakeCgroupFs(Path root) { this.root = root; }

    void file(String rel, String content) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content + "\n");
    }

    String content(String rel) throws IOException { return Files.readString(root.resolve(rel)).strip(); }

    @Override public String read(Path file) throws IOException { return CgroupFs.real().read(file); }

    @Override public void write(Path file, String value) throws IOException {
        log.add("write " + root.relativize(file) + " " + value);
        if (value.equals(failValue)) throw new IOException("Invalid argument");
        if (!kernel.write(file, value)) Files.writeString(file, value + "\n");
    }

    @Override public void mkdir(Path dir) throws IOException {
        log.add("mkdir " + root.relativize(dir));
        Files.createDirectory(dir);
        kernel.mkdir(dir);
    }

    @Override public void rmdir(Path dir) throws IOException {
        log.add("rmdir " + root.relativize(dir));
        kernel.rmdir(dir);
        // cgroupfs control files vanish with the directory; a temp dir needs them deleted first
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) Files.delete(p);
        }
        Files.delete(dir);
    }

    @Override public boolean exists(Path path) { return Files.exists(path); }

    @Override public List<Path> children(Path dir) throws IOException { return CgroupFs.real().children(dir); }
}
