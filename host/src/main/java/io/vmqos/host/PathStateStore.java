package io.vmqos.host;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The {@link PathState} file, default {@code path-state.json} in the run directory ({@link RunDir}, normally
 * {@value #DEFAULT_FILE}): read, replaced atomically (write a temporary file, rename over). A missing file is an
 * empty state. Writers hold the {@link HostLock} (as {@link PathTransaction} does), which serialises vmqos processes
 * changing the host. Any thread.
 */
public final class PathStateStore {
    public static final String FILE_NAME = "path-state.json";
    /** The file when {@value RunDir#ENV} is not set. */
    public static final String DEFAULT_FILE = RunDir.DEFAULT + "/" + FILE_NAME;
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;

    public PathStateStore(Path file) { this.file = file; }

    /** {@value #FILE_NAME} in {@link RunDir#path()}. */
    public static PathStateStore system() { return new PathStateStore(RunDir.path().resolve(FILE_NAME)); }

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
            RunDir.create(file.toAbsolutePath().getParent());
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
}
