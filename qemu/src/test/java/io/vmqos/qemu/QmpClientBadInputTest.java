package io.vmqos.qemu;

import io.vmqos.core.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** QmpClient against things that are not (well-behaved) QMP servers: no QEMU needed. */
class QmpClientBadInputTest {

    @TempDir
    Path dir;

    @Test
    void missingPathSaysSoAndHowToStartQemu() {
        Path p = dir.resolve("nope.sock");
        var e = catchThrowableOfType(QmpException.NotQmp.class, () -> QmpClient.connect(p));
        assertThat(e.getMessage()).contains(p.toString()).contains("no such file").contains("-qmp unix:");
        assertThat(e.socket()).isEqualTo(p);
    }

    @Test
    void regularFileIsRefused() throws Exception {
        Path p = Files.writeString(dir.resolve("qemu.pid"), "1234\n");
        assertThatThrownBy(() -> QmpClient.connect(p)).isInstanceOf(QmpException.NotQmp.class)
                .hasMessageContaining("regular file").hasMessageContaining("not a UNIX socket")
                .hasMessageContaining("-qmp unix:");
    }

    @Test
    void directoryIsRefused() {
        assertThatThrownBy(() -> QmpClient.connect(dir)).isInstanceOf(QmpException.NotQmp.class)
                .hasMessageContaining("directory");
    }

    @Test
    void staleSocketWithNoListenerIsRefused() throws Exception {
        Path p = dir.resolve("stale.sock");
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(p));
        s.close(); // the file stays, nobody listens: what a crashed QEMU leaves behind
        assertThatThrownBy(() -> QmpClient.connect(p)).isInstanceOf(QmpException.NotQmp.class)
                .hasMessageContaining("connection refused").hasMessageContaining("stale");
    }

    @Test
    void garbageGreetingIsNotJson() throws Exception {
        try (var srv = new FakeQmpServer(c -> { c.send("HELLO I AM SSH\r\n"); c.readLine(); })) {
            assertThatThrownBy(() -> QmpClient.connect(srv.path, 3_000)).isInstanceOf(QmpException.NotQmp.class)
                    .hasMessageContaining("HELLO I AM SSH").hasMessageContaining("not JSON");
        }
    }

    @Test
    void jsonButNotQmpGreeting() throws Exception {
        try (var srv = new FakeQmpServer(c -> { c.send("{\"execute\": \"guest-ping\"}\n"); c.readLine(); })) {
            assertThatThrownBy(() -> QmpClient.connect(srv.path, 3_000)).isInstanceOf(QmpException.NotQmp.class)
                    .hasMessageContaining("guest-ping").hasMessageContaining("instead of {\"QMP\"");
        }
    }

    @Test
    void closedAtOnce() throws Exception {
        try (var srv = new FakeQmpServer(c -> { })) {
            assertThatThrownBy(() -> QmpClient.connect(srv.path, 3_000)).isInstanceOf(QmpException.NotQmp.class)
                    .hasMessageContaining("closed the connection without sending anything");
        }
    }

    @Test
    void silentPeerTimesOutOnGreetingWithAHint() throws Exception {
        try (var srv = new FakeQmpServer(c -> c.readLine())) {
            long t0 = System.nanoTime();
            var e = catchThrowableOfType(QmpException.Timeout.class, () -> QmpClient.connect(srv.path, 300));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(e.command()).isEqualTo("greeting");
            assertThat(e.timeoutMillis()).isEqualTo(300);
            assertThat(e.getMessage()).contains("nothing was received").contains("another client");
            assertThat(ms).isGreaterThanOrEqualTo(250).isLessThan(4_000);
        }
    }

    @Test
    void partialLineIsReportedOnTimeout() throws Exception {
        try (var srv = new FakeQmpServer(c -> { c.send("{\"QMP\": "); c.readLine(); })) {
            assertThatThrownBy(() -> QmpClient.connect(srv.path, 300)).isInstanceOf(QmpException.Timeout.class)
                    .hasMessageContaining("without a newline").hasMessageContaining("{\"QMP\":");
        }
    }

    @Test
    void commandTimeoutNamesTheCommand() throws Exception {
        try (var srv = FakeQmpServer.afterHandshake(c -> { while (c.readLine() != null) { } });
             QmpClient client = QmpClient.connect(srv.path, 300)) {
            var e = catchThrowableOfType(QmpException.Timeout.class, () -> client.execute("query-status"));
            assertThat(e.command()).isEqualTo("query-status");
            assertThat(e.getMessage()).contains("'query-status'").contains("300 ms");
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void errorReplyIsTypedAndEventsAreKeptApart() throws Exception {
        try (var srv = FakeQmpServer.afterHandshake(c -> {
            long id = c.readId();
            c.send("{\"timestamp\": {\"seconds\": 1, \"microseconds\": 5}, \"event\": \"STOP\"}\r\n");
            c.send("{\"id\": " + id + ", \"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'x' not found\"}}\r\n");
            id = c.readId();
            c.send("{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": 2, \"microseconds\": 0}}\r\n");
            c.send("{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": " + id + "}\r\n");
            c.readLine();
        }); QmpClient client = QmpClient.connect(srv.path, 3_000)) {
            var e = catchThrowableOfType(QmpException.CommandFailed.class,
                    () -> client.execute("device_del", QmpClient.args().put("id", "x")));
            assertThat(e.command()).isEqualTo("device_del");
            assertThat(e.errorClass()).isEqualTo("DeviceNotFound");
            assertThat(e.description()).isEqualTo("Device 'x' not found");
            assertThat(e.getMessage()).contains("'device_del'").contains("DeviceNotFound");
            assertThat(client.status()).isEqualTo(new QmpStatus("running", true));
            List<QmpEvent> events = client.drainEvents();
            assertThat(events).extracting(QmpEvent::name).containsExactly("STOP", "RESUME");
            assertThat(events.getFirst().timestampMicros()).isEqualTo(1_000_005);
            assertThat(client.drainEvents()).isEmpty();
            assertThat(client.qemuVersion()).isEqualTo("9.2.0");
        }
    }

    @Test
    void listenerGetsEventsInsteadOfQueue() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (var srv = FakeQmpServer.afterHandshake(c -> {
            long id = c.readId();
            c.send("{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": false}}\r\n");
            c.send("{\"return\": {}, \"id\": " + id + "}\r\n");
            c.readLine();
        }); QmpClient client = QmpClient.connect(srv.path, 3_000)) {
            client.onEvent(ev -> seen.add(ev.name() + ":" + ev.data().path("guest").asBoolean(true)));
            client.execute("quit");
            assertThat(seen).containsExactly("SHUTDOWN:false");
            assertThat(client.drainEvents()).isEmpty();
        }
    }

    @Test
    void peerClosingMidCommandIsConnectionClosed() throws Exception {
        try (var srv = FakeQmpServer.afterHandshake(c -> { c.readLine(); c.ch.close(); });
             QmpClient client = QmpClient.connect(srv.path, 3_000)) {
            assertThatThrownBy(() -> client.execute("query-status"))
                    .isInstanceOf(QmpException.ConnectionClosed.class).hasMessageContaining("'query-status'");
            assertThat(client.isOpen()).isFalse();
            assertThatThrownBy(() -> client.execute("query-name"))
                    .isInstanceOf(QmpException.ConnectionClosed.class);
        }
    }

    @Test
    void quitToleratesThePeerClosingBeforeReplying() throws Exception {
        try (var srv = FakeQmpServer.afterHandshake(c -> { c.readLine(); c.ch.close(); });
             QmpClient client = QmpClient.connect(srv.path, 3_000)) {
            client.quit();
            assertThat(client.isOpen()).isFalse();
        }
    }

    @Test
    void badArgumentsAreInvalidInput() {
        assertThatThrownBy(() -> QmpClient.connect(null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> QmpClient.connect(dir.resolve("x"), 0)).isInstanceOf(InvalidInputException.class);
    }
}
