package io.vmqos.host;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The {@link PathState} file, default {@value #DEFAULT_FILE}: read, replaced atomically (write a temporary file,
 * rename over), and an exclusive advisory lock ({@code path-state.json.lock} next to it) that serialises vmqos
 * processes changing paths at the same time. A missing file is an empty state. Any thread; the lock is per process
 * (hold it on one thread, as {@link PathTransaction} does).
 */
public final class PathStateStore {
    public static final String DEFAULT_FILE = "/run/vmqos/path-state.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;

    public PathStateStore(Path file) { this.file = file; }

    public static PathStateStore system() { return new PathStateStore(Path.of(DEFAULT_FILE)); }

    public Path file() { return file; }

    /** The state, or empty when there is no file. @throws IllegalStateException naming the file when it is corrupt */
    public PathState read() {
        if (!Files.exists(file)) return PathState.empty();
        try {
            PathState s = JSON.readValue(file.toFile(), PathState.class);
            return s == null ? PathState.empty() : s;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read vmqos path state " + file + ": " + e.getMessage()
                    + " (fix: inspect it; if no vmqos path reservation is active, delete it)", e);
        }
    }

    /** Replaces the file atomically; an empty state deletes it. */
    public void write(PathState s) {
        try {
            if (s.vms().isEmpty()) {
                Files.deleteIfExists(file);
                return;
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), s);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write vmqos path state " + file + ": " + e.getMessage(), e);
        }
    }

    /** Takes the exclusive lock (blocking); close the result to release it. */
    public AutoCloseable lock() {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            FileChannel ch = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.lock();
            return () -> {
                l.release();
                ch.close();
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock vmqos path state " + file + ": " + e.getMessage(), e);
        }
    }
}
