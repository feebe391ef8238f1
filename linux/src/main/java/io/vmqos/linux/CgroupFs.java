package io.vmqos.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The file operations the ledger does on a cgroup filesystem, behind an interface so the repair sequences can
 * be tested against a plain temporary directory. Implementations are stateless and thread-safe.
 */
public interface CgroupFs {
    /** The file's content, stripped of surrounding white space. */
    String read(Path file) throws IOException;

    /** Writes {@code value} to an existing control file (one write(2), as {@code echo value > file}). */
    void write(Path file, String value) throws IOException;

    /** Creates a cgroup directory. */
    void mkdir(Path dir) throws IOException;

    /** Removes an empty cgroup directory. */
    void rmdir(Path dir) throws IOException;

    /** True when the path exists. */
    boolean exists(Path path);

    /** The child cgroup directories, sorted by name. */
    List<Path> children(Path dir) throws IOException;

    /** The real filesystem. */
    /** {@link #read}, with a failure as a {@link LedgerUnavailableException} naming the file and the fix. */
    default String readOrFail(Path file) {
        try {
            return read(file);
        } catch (IOException e) {
            throw new LedgerUnavailableException("cannot read " + file + ": " + e.getMessage() + "; fix: run as root", e);
        }
    }

    /** {@link #write}, with a failure as a {@link LedgerUnavailableException} naming the file and the fix. */
    default void writeOrFail(Path file, String value) {
        try {
            write(file, value);
        } catch (IOException e) {
            throw new LedgerUnavailableException("writing " + value + " to " + file + " failed: " + e.getMessage() + "; fix: run as root", e);
        }
    }

    static CgroupFs real() { return RealCgroupFs.INSTANCE; }

    /** {@link java.nio.file.Files} based implementation. */
    final class RealCgroupFs implements CgroupFs {
        static final RealCgroupFs INSTANCE = new RealCgroupFs();

        private RealCgroupFs() {}

        @Override public String read(Path file) throws IOException { return Files.readString(file).strip(); }

        @Override public void write(Path file, String value) throws IOException { Files.writeString(file, value); }

        @Override public void mkdir(Path dir) throws IOException { Files.createDirectory(dir); }

        @Override public void rmdir(Path dir) throws IOException { Files.delete(dir); }

        @Override public boolean exists(Path path) { return Files.exists(path); }

        @Override public List<Path> children(Path dir) throws IOException {
            List<Path> out = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isDirectory)) {
                for (Path p : s) out.add(p);
            }
            out.sort(null);
            return out;
        }
    }
}
