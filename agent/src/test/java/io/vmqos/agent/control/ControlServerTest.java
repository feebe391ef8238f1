package io.vmqos.agent.control;

import io.vmqos.agent.Log;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlServerTest {
    @TempDir Path dir;
    ControlServer server;
    final AtomicInteger calls = new AtomicInteger();
    final Log log = new Log(new PrintStream(new ByteArrayOutputStream()), false);

    ControlServer start() {
        server = ControlServer.start(dir.resolve("run/agent.sock"), (req, root) -> {
            calls.incrementAndGet();
            return new ControlResponse(0, "ran " + String.join(" ", req.argv()) + " root=" + root, "");
        }, log);
        return server;
    }

    @AfterEach
    void stop() { if (server != null) server.close(); }

    @Test
    void runsARequestAndAnswers() throws Exception {
        start();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.path()))).isEqualTo("rw-------");
        ControlResponse r = ControlClient.send(server.path(), new ControlRequest(1, List.of("show"), "/")).orElseThrow();
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("ran show root=" + "root".equals(System.getProperty("user.name")));
    }

    @Test
    void noAgentIsEmpty() {
        assertThat(ControlClient.send(dir.resolve("none.sock"), new ControlRequest(1, List.of("show"), "/"))).isEmpty();
    }

    @Test
    void garbageHugeAndSlowRequestsGetErrorsAndOthersAreStillServed() throws Exception {
        start();
        assertThat(raw("this is not json\n")).contains("\"exit\":2").contains("not a JSON control request");
        assertThat(raw("{\"version\":7,\"argv\":[]}\n")).contains("protocol version 7");
        String huge = "x".repeat(10 * 1024 * 1024);
        assertThat(raw(huge)).contains("longer than");
        // a client that never finishes its line: cut off after the timeout, while another is served meanwhile
        try (SocketChannel slow = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            slow.connect(UnixDomainSocketAddress.of(server.path()));
            slow.write(ByteBuffer.wrap("{\"version\":1,".getBytes(StandardCharsets.UTF_8)));
            long t0 = System.nanoTime();
            assertThat(ControlClient.send(server.path(), new ControlRequest(1, List.of("plan"), "/")).orElseThrow().out()).startsWith("ran plan");
            assertThat((System.nanoTime() - t0) / 1_000_000).as("served while the slow client hangs").isLessThan(2000);
            ByteBuffer b = ByteBuffer.allocate(16);
            assertThat(slow.read(b)).as("the slow client is cut off").isEqualTo(-1);
        }
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void aSecondAgentOnTheSameSocketIsRefusedAndAStaleSocketReplaced() throws Exception {
        start();
        assertThatThrownBy(() -> ControlServer.start(server.path(), (r, root) -> null, log)).hasMessageContaining("another vmqos agent");
        server.close();
        Files.createFile(server.path()); // stale file left by a killed agent
        start();
        assertThat(ControlClient.send(server.path(), new ControlRequest(1, List.of("x"), "/"))).isPresent();
    }

    /** {@code python3} as {@code nobody:nogroup} sending one request line to the socket: what it read, or its error. */
    private static String asNobody(Path socket, String line) throws Exception {
        String py = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ntry:\n s.connect(sys.argv[1])\nexcept OSError as e:\n print('refused:',e)\n"
                + " sys.exit(0)\ns.sendall(sys.argv[2].encode()+b'\\n')\nprint(s.recv(65536).decode())\n";
        Process p = new ProcessBuilder("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c", py,
                socket.toString(), line).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    /**
     * A real non-root peer: without a socket group it cannot connect (0600); with one, a member's request reaches the
     * handler as allowed to change, and a process outside the group cannot connect.
     */
    @Test
    void onlyRootAndTheSocketGroupGetIn() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root: it runs a client as nobody");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "needs /usr/bin/python3 and setpriv for a non-root client");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // let nobody reach the socket's directory
        String req = "{\"version\":1,\"argv\":[\"apply\"],\"cwd\":\"/\"}";
        start();
        assertThat(asNobody(server.path(), req)).startsWith("refused:");
        server.close();

        server = ControlServer.start(dir.resolve("run/agent.sock"), "nogroup", (r, mayChange) -> {
            calls.incrementAndGet();
            return new ControlResponse(0, "ran " + String.join(" ", r.argv()) + " root=" + mayChange, "");
        }, log);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.path()))).isEqualTo("rw-rw----");
        assertThat(Files.readAttributes(server.path(), java.nio.file.attribute.PosixFileAttributes.class).group().getName()).isEqualTo("nogroup");
        assertThat(asNobody(server.path(), req)).contains("ran apply root=true");
        server.close();

        server = ControlServer.start(dir.resolve("run/agent.sock"), "root", (r, mayChange) -> new ControlResponse(0, "ran", ""), log);
        assertThat(asNobody(server.path(), req)).as("nobody is not in group root").startsWith("refused:");
        assertThatThrownBy(() -> ControlServer.start(dir.resolve("run2/agent.sock"), "no-such-group-vq", (r, m) -> null, log))
                .hasMessageContaining("--socket-group").hasMessageContaining("no-such-group-vq");
    }

    private String raw(String text) throws Exception {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(server.path()));
            ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            try {
                while (out.hasRemaining()) c.write(out);
            } catch (java.io.IOException closedEarly) {
                // the server stopped reading a too-large request
            }
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(4096);
            int n;
            while ((n = c.read(b)) > 0) { in.write(b.array(), 0, n); b.clear(); }
            return in.toString(StandardCharsets.UTF_8);
        }
    }
}
