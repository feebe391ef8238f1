package io.vmqos.placement;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: the real OpenStack Placement ({@code placement-api}, Debian package {@code placement-api}) on
 * 127.0.0.1, with {@code noauth2} and a temporary sqlite database. {@link #start()} makes a temporary directory
 * with placement.conf, runs {@code placement-manage db sync}, starts the server on a free port and waits until
 * {@code GET /} answers; {@link #close()} kills it (its whole process tree) and deletes the directory. A test that
 * needs it is skipped, saying why, only when placement-api is not installed. {@link #kill()} and {@link #restart()}
 * stop and start it again on the same port and database. Used by one test thread.
 */
public final class PlacementServer implements AutoCloseable {
    public static final String TOKEN = "admin";
    private static final Path API = Path.of("/usr/bin/placement-api");
    private static final Path MANAGE = Path.of("/usr/bin/placement-manage");

    private final Path dir;
    private final int port;
    private Process process;

    private PlacementServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** A running Placement; the calling test is skipped when placement-api is not installed. */
    public static PlacementServer start() {
        Assumptions.assumeTrue(Files.isExecutable(API) && Files.isExecutable(MANAGE),
                "placement-api is not installed (apt-get install --no-install-recommends placement-api; scripts/install-packages.sh does it)");
        try {
            Path dir = Files.createTempDirectory("vmqos-placement-");
            Files.writeString(dir.resolve("placement.conf"), """
                    [DEFAULT]
                    debug = false
                    [api]
                    auth_strategy = noauth2
                    [placement_database]
                    connection = sqlite:///%s
                    """.formatted(dir.resolve("placement.db")));
            Process sync = new ProcessBuilder(MANAGE.toString(), "--config-file", dir.resolve("placement.conf").toString(), "db", "sync")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sync.log").toFile()).start();
            if (!sync.waitFor(120, TimeUnit.SECONDS) || sync.exitValue() != 0) {
                throw new IllegalStateException("placement-manage db sync failed: " + Files.readString(dir.resolve("sync.log")));
            }
            PlacementServer s = new PlacementServer(dir, freePort());
            s.restart();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String url() { return "http://127.0.0.1:" + port; }

    public int port() { return port; }

    /** Its configuration and sqlite database, removed by {@link #close}. */
    public Path dir() { return dir; }

    public PlacementClient client() { return new PlacementClient(url(), java.util.Optional.of(TOKEN)); }

    /** Starts the server (again: same port, same database) and waits until it answers. */
    public void restart() {
        try {
            ProcessBuilder pb = new ProcessBuilder(API.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("api.log").toFile()));
            pb.environment().put("OS_PLACEMENT_CONFIG_DIR", dir.toString());
            process = pb.start();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < until) {
                if (!process.isAlive()) throw new IllegalStateException("placement-api exited: " + Files.readString(dir.resolve("api.log")));
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) return;
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("placement-api did not answer on " + url() + " within 60 s: " + Files.readString(dir.resolve("api.log")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the server and its children (SIGKILL) and waits until they are gone; the database stays. */
    public void kill() {
        if (process == null) return;
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        kill();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
