package io.vmqos.lab.fleet;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real OpenStack Placement ({@code placement-api}, Debian's package) for a test: a temporary config directory with
 * {@code auth_strategy = noauth2} and a sqlite database, {@code placement-manage db sync}, then {@code placement-api} on a
 * free 127.0.0.1 port. {@link #close} kills it (its own process, by pid) and removes its files. {@link #start} skips the
 * test, saying why, when placement-api is not installed.
 */
final class LabPlacementServer implements AutoCloseable {
    private static final Path API = Path.of("/usr/bin/placement-api"), MANAGE = Path.of("/usr/bin/placement-manage");

    private final Path dir;
    private final Process process;
    private final URI url;

    private LabPlacementServer(Path dir, Process process, URI url) {
        this.dir = dir;
        this.process = process;
        this.url = url;
    }

    /** Starts one, or skips the test when placement-api is not installed. */
    static LabPlacementServer start() throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(API) && Files.isExecutable(MANAGE),
                "placement-api is not installed (apt-get install --no-install-recommends placement-api)");
        Path dir = Files.createTempDirectory("vmqos-placement-");
        try {
            Path conf = dir.resolve("placement.conf");
            Files.writeString(conf, "[DEFAULT]\ndebug = false\n[api]\nauth_strategy = noauth2\n[placement_database]\nconnection = sqlite:///"
                    + dir.resolve("placement.db") + "\n");
            Process sync = new ProcessBuilder(MANAGE.toString(), "--config-file", conf.toString(), "db", "sync")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("db-sync.log").toFile()).start();
            if (!sync.waitFor(120, TimeUnit.SECONDS) || sync.exitValue() != 0) {
                sync.destroyForcibly();
                throw new IOException("placement-manage db sync failed: " + Files.readString(dir.resolve("db-sync.log")));
            }
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            ProcessBuilder pb = new ProcessBuilder(API.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("api.log").toFile());
            pb.environment().put("OS_PLACEMENT_CONFIG_DIR", dir.toString());
            Process p = pb.start();
            URI url = URI.create("http://127.0.0.1:" + port);
            LabPlacementServer server = new LabPlacementServer(dir, p, url);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!server.answers()) {
                if (!p.isAlive() || System.nanoTime() > until) {
                    String log = Files.readString(dir.resolve("api.log"));
                    server.close();
                    throw new IOException("placement-api did not answer on " + url + ": " + log);
                }
                Thread.sleep(200);
            }
            return server;
        } catch (IOException | RuntimeException e) {
            delete(dir);
            throw e;
        }
    }

    URI url() { return url; }

    private boolean answers() {
        try {
            HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            c.setRequestProperty("x-auth-token", "admin");
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        delete(dir);
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** The files the server uses now, for tests of the fixture itself. */
    List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    Path dir() { return dir; }
}
