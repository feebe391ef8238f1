package io.vmqos.agent.control;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The CLI's side of the control socket: sends one {@link ControlRequest} and reads the {@link ControlResponse}.
 * Empty when no agent listens (no socket file, or nobody accepts), so the CLI does the work itself under the host lock.
 * Any thread; one connection per call.
 */
public final class ControlClient {
    private ControlClient() {}

    /** Sends {@code request} to the agent at {@code socket}; empty when no agent answers there. */
    public static Optional<ControlResponse> send(Path socket, ControlRequest request) {
        if (!Files.exists(socket)) return Optional.empty();
        SocketChannel c;
        try {
            c = SocketChannel.open(StandardProtocolFamily.UNIX);
            c.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return Optional.empty(); // stale socket file: no agent
        }
        try (c) {
            byte[] b = (ControlServer.JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) c.write(buf);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (true) {
                in.clear();
                int n = c.read(in);
                if (n < 0) break;
                out.write(in.array(), 0, n);
            }
            if (out.size() == 0) throw new IOException("the agent closed the connection without an answer");
            return Optional.of(ControlServer.JSON.readValue(out.toByteArray(), ControlResponse.class));
        } catch (IOException e) {
            throw new IllegalStateException("the vmqos agent at " + socket + " did not answer: " + e.getMessage()
                    + " (fix: check `journalctl -u vmqos`, or stop the agent and run the command again)", e);
        }
    }

    /** True when something accepts connections on {@code socket}. */
    static boolean answers(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
