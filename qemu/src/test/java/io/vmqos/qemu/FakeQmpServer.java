package io.vmqos.qemu;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/** A UNIX socket served by a test thread running a script against the first client. */
final class FakeQmpServer implements AutoCloseable {
    interface Script { void run(Conn conn) throws Exception; }

    /** The accepted connection, with line helpers. */
    static final class Conn {
        final SocketChannel ch;
        private final ByteBuffer in = ByteBuffer.allocate(1 << 16);

        Conn(SocketChannel ch) { this.ch = ch; }

        void send(String text) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
        }

        /** Reads one line (without the newline), or null at EOF. */
        String readLine() throws IOException {
            while (true) {
                for (int i = 0; i < in.position(); i++) {
                    if (in.get(i) == '\n') {
                        byte[] line = new byte[i];
                        in.flip();
                        in.get(line);
                        in.get();
                        in.compact();
                        return new String(line, StandardCharsets.UTF_8);
                    }
                }
                if (ch.read(in) < 0) return null;
            }
        }

        /** Reads a command line and returns its numeric id. */
        long readId() throws IOException {
            String line = readLine();
            if (line == null) throw new IOException("client closed");
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).path("id").asLong();
        }
    }

    static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 9}, "
            + "\"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n";

    final Path path;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile SocketChannel client;

    FakeQmpServer(Script script) throws IOException {
        path = Path.of("/tmp/vqqmp-fake-" + UUID.randomUUID().toString().substring(0, 8) + ".sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        thread = Thread.ofPlatform().daemon().name("vqqmp-fake-server").start(() -> {
            try (SocketChannel ch = server.accept()) {
                client = ch;
                script.run(new Conn(ch));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
    }

    /** Greets, answers qmp_capabilities, then runs the rest of the script. */
    static FakeQmpServer afterHandshake(Script rest) throws IOException {
        return new FakeQmpServer(c -> {
            c.send(GREETING);
            long id = c.readId();
            c.send("{\"return\": {}, \"id\": " + id + "}\r\n");
            rest.run(c);
        });
    }

    @Override
    public void close() throws Exception {
        server.close();
        SocketChannel c = client;
        if (c != null) c.close();
        thread.interrupt();
        thread.join(2_000);
        Files.deleteIfExists(path);
    }
}
