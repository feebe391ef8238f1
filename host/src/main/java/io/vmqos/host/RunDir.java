package io.vmqos.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where vmqos keeps its runtime state: {@value #DEFAULT} (tmpfs: a reboot forgets it, as it forgets the
 * reservations), or the directory named by the environment variable {@value #ENV} (tests, unusual hosts). Holds
 * the host lock ({@link HostLock}), the record of every change ({@code state.json}) and the agent's control socket.
 * The system property {@value #PROPERTY} overrides both (tests in one JVM). Stateless; any thread.
 */
public final class RunDir {
    public static final String DEFAULT = "/run/vmqos";
    public static final String ENV = "VMQOS_RUN_DIR";
    public static final String PROPERTY = "vmqos.run.dir";

    private RunDir() {}

    /** The property {@value #PROPERTY}, else {@code $VMQOS_RUN_DIR}, else {@value #DEFAULT}; read at each call. */
    public static Path path() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        String env = System.getenv(ENV);
        return Path.of(env == null || env.isBlank() ? DEFAULT : env);
    }

    /** Creates {@code dir} (and missing parents) as 0700 when it does not exist; an existing one is left as it is. */
    public static void create(Path dir) {
        if (Files.isDirectory(dir)) return;
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create vmqos run directory " + dir + ": " + e.getMessage()
                    + " (fix: run as root, or point " + ENV + " at a writable directory)", e);
        }
    }
}
