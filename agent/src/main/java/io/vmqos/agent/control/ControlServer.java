package io.vmqos.agent.control;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmqos.agent.Log;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The agent's control socket: a UNIX domain socket ({@code /run/vmqos/agent.sock}, mode 0600 in a 0700 directory)
 * on which the CLI sends one {@link ControlRequest} per connection and reads one {@link ControlResponse}.
 *
 * <p>Robust against bad peers: a request longer than {@link #MAX_REQUEST_BYTES}, one that does not arrive within
 * {@link #REQUEST_TIMEOUT}, or one that is not JSON gets an error response (exit 2) and the connection is closed;
 * other clients are served meanwhile (one virtual thread per connection). The peer's credentials come from
 * {@code SO_PEERCRED}: root, and with a socket group its members, may change the host; the handler refuses changes
 * to anyone else.
 *
 * <p>{@link #start} binds and starts the acceptor thread; {@link #close} is idempotent.
 */
public final class ControlServer implements AutoCloseable {
    public static final int MAX_REQUEST_BYTES = 1 << 20;
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
    static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path path;
    private final ServerSocketChannel server;
    private final CommandHandler handler;
    private final Log log;
    private final Thread acceptor;
    private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vmqos-control-timeouts");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closed;

    private final String group;

    private ControlServer(Path path, ServerSocketChannel server, CommandHandler handler, Log log, String group) {
        this.group = group;
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.log = log;
        this.acceptor = new Thread(this::acceptLoop, "vmqos-control");
        this.acceptor.setDaemon(true);
    }

    /**
     * Binds {@code socket} (a stale socket file left by a dead agent is replaced) and starts serving.
     *
     * @throws IllegalStateException another agent answers on the socket
     */
    public static ControlServer start(Path socket, CommandHandler handler, Log log) { return start(socket, null, handler, log); }

    /**
     * As {@link #start(Path, CommandHandler, Log)}, the socket (mode 0660) and its directory (0750) given to
     * {@code group} when not null: its members may change the host through the agent as root may; everyone else
     * cannot connect.
     *
     * @throws io.vmqos.core.InvalidInputException no such group
     */
    public static ControlServer start(Path socket, String group, CommandHandler handler, Log log) {
        try {
            java.nio.file.attribute.GroupPrincipal g = null; // looked up first: a bad group changes nothing
            if (group != null) {
                try {
                    g = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
                } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
                    throw new io.vmqos.core.InvalidInputException("--socket-group", "there is no group '" + group + "'",
                            "give an existing group (getent group), or create it: groupadd " + group);
                }
            }
            Files.createDirectories(socket.getParent());
            try {
                Files.setPosixFilePermissions(socket.getParent(), PosixFilePermissions.fromString(g == null ? "rwx------" : "rwxr-x---"));
                if (g != null) Files.getFileAttributeView(socket.getParent(), java.nio.file.attribute.PosixFileAttributeView.class).setGroup(g);
            } catch (IOException | UnsupportedOperationException ignored) {
                // a directory we do not own (tests): the socket's own mode still protects it
            }
            if (Files.exists(socket)) {
                if (ControlClient.answers(socket)) {
                    throw new IllegalStateException("another vmqos agent already serves " + socket + " (fix: stop it first, or give --socket)");
                }
                Files.delete(socket);
            }
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ch.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(g == null ? "rw-------" : "rw-rw----"));
            if (g != null) Files.getFileAttributeView(socket, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(g);
            ControlServer s = new ControlServer(socket, ch, handler, log, group);
            s.acceptor.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the agent's control socket " + socket + ": " + e.getMessage(), e);
        }
    }

    public Path path() { return path; }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                Thread.ofVirtual().name("vmqos-control-client").start(() -> serve(c));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) log.warn("control socket accept failed: " + e.getMessage());
            }
        }
    }

    private void serve(SocketChannel c) {
        ScheduledFuture<?> deadline = timeouts.schedule(() -> closeQuietly(c), REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        try (c) {
            boolean root = mayChange(c);
            ControlResponse response;
            byte[] line;
            try {
                line = readLine(c);
            } catch (RequestTooLargeException e) {
                respond(c, ControlResponse.error(2, "vmqos agent: request longer than " + MAX_REQUEST_BYTES + " bytes refused"));
                discardRest(c); // closing with unread bytes would reset the connection before the client reads the answer
                return;
            }
            deadline.cancel(false);
            if (line == null) return; // the peer went away, or timed out (closed)
            try {
                ControlRequest req = JSON.readValue(line, ControlRequest.class);
                if (req.version() != ControlRequest.VERSION) {
                    response = ControlResponse.error(2, "vmqos agent: protocol version " + req.version() + " not spoken (this agent speaks "
                            + ControlRequest.VERSION + "; fix: use the vmqos command of the same version as the agent)");
                } else {
                    response = handler.run(req, root);
                }
            } catch (IOException e) {
                response = ControlResponse.error(2, "vmqos agent: the request is not a JSON control request: " + e.getMessage().lines().findFirst().orElse(""));
            }
            respond(c, response);
        } catch (IOException e) {
            log.debug("control client: " + e.getMessage());
        } catch (RuntimeException e) {
            log.error("control request failed: " + e.getMessage(), e);
        } finally {
            deadline.cancel(false);
        }
    }

    /**
     * After the answer to a refused request: no more output, and what the client still sends is read and dropped until
     * it stops (at most {@link #MAX_DISCARD_BYTES}; the request's deadline closes a client that keeps sending).
     */
    private static void discardRest(SocketChannel c) {
        try {
            c.shutdownOutput();
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            long total = 0;
            while (total < MAX_DISCARD_BYTES) {
                b.clear();
                int n = c.read(b);
                if (n < 0) return;
                total += n;
            }
        } catch (IOException closed) {
            // the client went, or the deadline closed it
        }
    }

    /** The most a refused client may still send before it is cut off. */
    static final long MAX_DISCARD_BYTES = 64L << 20;

    /** Root, or (with a socket group) a process whose group is it or whose user the group lists. */
    private boolean mayChange(SocketChannel c) {
        try {
            UnixDomainPrincipal p = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if ("root".equals(p.user().getName())) return true;
            if (group == null) return false;
            return group.equals(p.group().getName()) || groupMembers(group).contains(p.user().getName());
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The users {@code /etc/group} lists in {@code group} (its supplementary members). */
    static java.util.Set<String> groupMembers(String group) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/group"))) {
                String[] f = line.split(":", -1);
                if (f.length >= 4 && f[0].equals(group)) return java.util.Set.of(f[3].isBlank() ? new String[0] : f[3].split(","));
            }
        } catch (IOException unreadable) {
            // no members beyond the primary group
        }
        return java.util.Set.of();
    }

    private static final class RequestTooLargeException extends IOException {
        RequestTooLargeException() { super("too large"); }
    }

    /** Reads up to the first newline; null when the peer closed (or was timed out) before one. */
    private static byte[] readLine(SocketChannel c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        try {
            while (true) {
                buf.clear();
                int n = c.read(buf);
                if (n < 0) return out.size() == 0 ? null : out.toByteArray();
                for (int i = 0; i < n; i++) {
                    byte b = buf.get(i);
                    if (b == '\n') return out.toByteArray();
                    out.write(b);
                }
                if (out.size() > MAX_REQUEST_BYTES) throw new RequestTooLargeException();
            }
        } catch (ClosedChannelException timedOut) {
            return null;
        }
    }

    private static void respond(SocketChannel c, ControlResponse r) throws IOException {
        byte[] b = (JSON.writeValueAsString(r) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) c.write(buf);
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        timeouts.shutdownNow();
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a later start replaces a stale socket
        }
    }
}
