package io.vmqos.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One-shot QMP exchange used by the lab only (greeting, qmp_capabilities, one command). The real client is
 * io.vmqos.qemu; this exists so the lab can stop and probe its VMs without depending on it. Blocking,
 * bounded by a timeout; thread-safe (no shared state).
 */
final class MiniQmp {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MiniQmp() {}

    /** Runs {@code command} and returns its "return" node; throws IOException on error, EOF or timeout. */
    static JsonNode execute(Path socket, String command, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        FutureTask<JsonNode> task = new FutureTask<>(() -> {
            ch.connect(UnixDomainSocketAddress.of(socket));
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            JsonNode greeting = JSON.readTree(readLine(in));
            if (!greeting.has("QMP")) throw new IOException("not a QMP greeting: " + greeting);
            send(ch, "qmp_capabilities");
            awaitReturn(in);
            send(ch, command);
            return awaitReturn(in);
        });
        Thread.ofPlatform().daemon().name("vqlab-qmp").start(task);
        try {
            return task.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("QMP " + command + " on " + socket + " timed out after " + timeout);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            ch.close(); // also unblocks the reader thread on timeout
        }
    }

    private static void send(SocketChannel ch, String command) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(("{\"execute\":\"" + command + "\"}\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) ch.write(b);
    }

    private static JsonNode awaitReturn(BufferedReader in) throws IOException {
        while (true) {
            JsonNode n = JSON.readTree(readLine(in));
            if (n.has("return")) return n.get("return");
            if (n.has("error")) throw new IOException("QMP error: " + n.get("error"));
            // anything else is an asynchronous event: skip it
        }
    }

    private static String readLine(BufferedReader in) throws IOException {
        String line = in.readLine();
        if (line == null) throw new IOException("QMP connection closed");
        return line;
    }
}
