package io.vmqos.qemu;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmqos.core.InvalidInputException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A client of QEMU's machine protocol (QMP) over a UNIX socket ({@code -qmp unix:PATH,server=on,wait=off}).
 *
 * <p>{@link #connect(Path)} checks the path, connects, reads the greeting {@code {"QMP": {...}}} and enters
 * command mode ({@code qmp_capabilities}). {@link #execute(String, ObjectNode)} sends
 * {@code {"execute", "arguments", "id"}} with a fresh numeric id and returns the {@code return} member of the
 * reply carrying that id. Asynchronous events ({@code {"event": ...}}) never mix with replies: they go to the
 * listener set with {@link #onEvent(Consumer)} or, without one, to a bounded queue read by {@link #drainEvents()}
 * (the oldest are dropped beyond {@value #EVENT_QUEUE_CAPACITY}).
 *
 * <p>Threads: one daemon reader thread per client reads the socket and dispatches lines; any number of threads
 * may call {@link #execute} concurrently (writes are serialised, replies matched by id), though QEMU runs the
 * commands of one connection one after another. {@link #close()} may be called from any thread and is
 * idempotent; it fails pending commands with {@link QmpException.ConnectionClosed}.
 *
 * <p>Timeouts are in milliseconds; the default is {@value #DEFAULT_TIMEOUT_MILLIS} ms per connect step and per
 * command. Note that QEMU serves one client per QMP socket at a time: a second client is accepted only by the
 * kernel and gets no greeting until the first disconnects, which shows up here as a greeting timeout.
 */
public final class QmpClient implements AutoCloseable {

    /** Default time to wait for the greeting and for each reply, in ms. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 5_000;
    /** Events kept for {@link #drainEvents()} when no listener is set. */
    public static final int EVENT_QUEUE_CAPACITY = 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int MAX_LINE_BYTES = 16 << 20;
    private static final String START_HINT = "is QEMU started with -qmp unix:PATH,server=on,wait=off?";

    private final Path socket;
    private final SocketChannel channel;
    private final long timeoutMillis;
    private final Object writeLock = new Object();
    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final CompletableFuture<JsonNode> greetingLine = new CompletableFuture<>();
    private final ArrayDeque<QmpEvent> events = new ArrayDeque<>();
    private final Thread reader;
    private volatile Consumer<QmpEvent> listener;
    private volatile String closedReason;
    private volatile String partialPreview = "";
    private volatile long bytesReceived;
    private long droppedEvents;
    private JsonNode greeting;

    private record Pending(String command, CompletableFuture<JsonNode> reply) {}

    private QmpClient(Path socket, SocketChannel channel, long timeoutMillis) {
        this.socket = socket;
        this.channel = channel;
        this.timeoutMillis = timeoutMillis;
        this.reader = Thread.ofPlatform().daemon().name("qmp-reader " + socket).unstarted(this::readLoop);
    }

    /** Connects with the default timeout. See {@link #connect(Path, long)}. */
    public static QmpClient connect(Path socket) {
        return connect(socket, DEFAULT_TIMEOUT_MILLIS);
    }

    /**
     * Connects to the QMP socket, reads the greeting and negotiates command mode.
     *
     * @param socket        path of QEMU's QMP UNIX socket
     * @param timeoutMillis time allowed for the connect, the greeting and each later command, in ms (&gt; 0)
     * @throws QmpException.NotQmp  the path is missing, not a socket, refused or unreadable, or the peer is not QMP
     * @throws QmpException.Timeout no greeting in time (another client connected, or not a QMP server)
     */
    public static QmpClient connect(Path socket, long timeoutMillis) {
        if (socket == null) throw new InvalidInputException("qmp socket", "no path given", "pass --qmp PATH");
        if (timeoutMillis <= 0) {
            throw new InvalidInputException("qmp timeout", "must be > 0 ms, got " + timeoutMillis,
                    "give a positive timeout in milliseconds");
        }
        checkIsSocket(socket);
        SocketChannel ch = openChannel(socket, timeoutMillis);
        QmpClient client = new QmpClient(socket, ch, timeoutMillis);
        client.reader.start();
        try {
            client.handshake();
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private static void checkIsSocket(Path socket) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(socket, "unix:mode");
        } catch (NoSuchFileException e) {
            throw new QmpException.NotQmp(socket, "no such file or directory", START_HINT
                    + " Check the path (libvirt keeps its own monitor at /var/lib/libvirt/qemu/domain-*/monitor.sock)", e);
        } catch (AccessDeniedException e) {
            throw new QmpException.NotQmp(socket, "permission denied reading the path",
                    "run as root or as the user that owns QEMU's socket", e);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new QmpException.NotQmp(socket, "cannot read the file type: " + e, START_HINT, e);
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            String kind = Files.isDirectory(socket) ? "a directory"
                    : Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(socket) ? "a regular file"
                    : "not a socket (file mode " + Integer.toOctalString(mode) + ")";
            throw new QmpException.NotQmp(socket, "is " + kind + ", not a UNIX socket",
                    START_HINT + " Pass the path given to -qmp unix:, not a pidfile or log", null);
        }
    }

    private static SocketChannel openChannel(Path socket, long timeoutMillis) {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.configureBlocking(false);
            if (!ch.connect(UnixDomainSocketAddress.of(socket))) {
                // UNIX connect only waits when the listen backlog is full.
                try (Selector sel = Selector.open()) {
                    ch.register(sel, SelectionKey.OP_CONNECT);
                    if (sel.select(timeoutMillis) == 0) {
                        throw new QmpException.Timeout(socket, "connect", timeoutMillis,
                                "QEMU's listen backlog is full: another client is connecting; retry later");
                    }
                }
                ch.finishConnect();
            }
            ch.configureBlocking(true);
            return ch;
        } catch (ConnectException e) {
            closeQuietly(ch);
            throw new QmpException.NotQmp(socket, "connection refused: nobody is listening (a stale socket left "
                    + "by a QEMU that exited?)", START_HINT + " Check that the VM is running", e);
        } catch (SocketException e) {
            closeQuietly(ch);
            String msg = String.valueOf(e.getMessage());
            if (msg.contains("Permission denied") || msg.contains("Operation not permitted")) {
                throw new QmpException.NotQmp(socket, "permission denied connecting",
                        "run as root or as the user that owns QEMU's socket", e);
            }
            throw new QmpException.NotQmp(socket, "cannot connect: " + msg, START_HINT, e);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new QmpException.NotQmp(socket, "cannot connect: " + e, START_HINT, e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private void handshake() {
        JsonNode line;
        try {
            line = greetingLine.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            String got = bytesReceived == 0 ? "nothing was received"
                    : "received " + bytesReceived + " bytes without a newline: '" + partialPreview + "'";
            throw new QmpException.Timeout(socket, "greeting", timeoutMillis, "no QMP greeting: " + got + ". "
                    + "QEMU serves one QMP client per socket at a time: is another client connected (libvirt holds "
                    + "its own monitor; give QEMU a second -qmp unix:PATH,server=on,wait=off)? Otherwise this "
                    + "socket is not QMP");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException.Interrupted(socket, "greeting", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof QmpException q) throw q;
            throw new QmpException.NotQmp(socket, "failed reading the greeting: " + e.getCause(), START_HINT,
                    e.getCause());
        }
        JsonNode qmp = line.get("QMP");
        if (qmp == null || !qmp.isObject()) {
            throw new QmpException.NotQmp(socket, "the peer greeted with " + preview(line.toString())
                    + " instead of {\"QMP\": {...}}", "this socket belongs to another protocol (a serial "
                    + "console, HMP monitor, guest agent?). " + START_HINT, null);
        }
        greeting = qmp;
        execute("qmp_capabilities");
    }

    /** The socket path this client is connected to. */
    public Path socket() { return socket; }

    /** The timeout for each command, in ms. */
    public long timeoutMillis() { return timeoutMillis; }

    /** The {@code QMP} member of QEMU's greeting ({@code version}, {@code capabilities}). */
    public JsonNode greeting() { return greeting; }

    /** QEMU's version as {@code major.minor.micro}, from the greeting. */
    public String qemuVersion() {
        JsonNode v = greeting.path("version").path("qemu");
        return v.path("major").asInt() + "." + v.path("minor").asInt() + "." + v.path("micro").asInt();
    }

    /** A fresh, empty arguments object to fill for {@link #execute(String, ObjectNode)}. */
    public static ObjectNode args() { return JSON.createObjectNode(); }

    /** Runs a command without arguments. See {@link #execute(String, ObjectNode, long)}. */
    public JsonNode execute(String command) {
        return execute(command, null, timeoutMillis);
    }

    /** Runs a command with the client's timeout. See {@link #execute(String, ObjectNode, long)}. */
    public JsonNode execute(String command, ObjectNode args) {
        return execute(command, args, timeoutMillis);
    }

    /**
     * Runs one QMP command and waits for its reply. Callable from any thread.
     *
     * @param command       e.g. {@code query-status}
     * @param args          the {@code arguments} object, or null for none
     * @param timeoutMillis how long to wait for the reply, in ms (&gt; 0)
     * @return the reply's {@code return} member ({@code {}} for commands returning nothing)
     * @throws QmpException.CommandFailed    QEMU answered with an error
     * @throws QmpException.Timeout          no reply in time (the command may still run later)
     * @throws QmpException.ConnectionClosed the connection is or became closed
     */
    public JsonNode execute(String command, ObjectNode args, long timeoutMillis) {
        if (command == null || command.isBlank()) {
            throw new InvalidInputException("qmp command", "empty command name", "pass a QMP command such as query-status");
        }
        if (timeoutMillis <= 0) {
            throw new InvalidInputException("qmp timeout", "must be > 0 ms, got " + timeoutMillis,
                    "give a positive timeout in milliseconds");
        }
        long id = nextId.getAndIncrement();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("execute", command);
        if (args != null && !args.isEmpty()) msg.set("arguments", args);
        msg.put("id", id);
        Pending p = new Pending(command, new CompletableFuture<>());
        pending.put(id, p);
        try {
            ensureOpen(command);
            send(msg, command);
            JsonNode reply = p.reply.get(timeoutMillis, TimeUnit.MILLISECONDS);
            JsonNode error = reply.get("error");
            if (error != null) {
                throw new QmpException.CommandFailed(socket, command, error.path("class").asText("?"),
                        error.path("desc").asText("(no description)"));
            }
            JsonNode ret = reply.get("return");
            return ret != null ? ret : JSON.createObjectNode();
        } catch (TimeoutException e) {
            throw new QmpException.Timeout(socket, command, timeoutMillis, "QEMU's main loop may be blocked "
                    + "(process stopped, or a slow command): check the QEMU process, or use a longer timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException.Interrupted(socket, command, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof QmpException q) throw q;
            throw new QmpException.ConnectionClosed(socket, "failed waiting for '" + command + "': " + e.getCause(),
                    e.getCause());
        } finally {
            pending.remove(id);
        }
    }

    /** Runs {@code query-status}. */
    public QmpStatus status() {
        JsonNode r = execute("query-status");
        return new QmpStatus(r.path("status").asText(""), r.path("running").asBoolean(false));
    }

    /**
     * Asks QEMU to exit ({@code quit}) and closes this client. Returns once QEMU acknowledged or closed the
     * connection; the process exits shortly after (wait for it separately if needed).
     */
    public void quit() {
        try {
            execute("quit");
        } catch (QmpException.ConnectionClosed e) {
            // QEMU may exit before its reply is flushed: that is a successful quit.
        } finally {
            close();
        }
    }

    /**
     * Sets the event listener (null to go back to queueing). It is called on the reader thread, in arrival order,
     * so it must be quick and must not call {@link #execute}; exceptions it throws are ignored.
     */
    public void onEvent(Consumer<QmpEvent> listener) {
        this.listener = listener;
    }

    /** Removes and returns the queued events, oldest first. Callable from any thread. */
    public List<QmpEvent> drainEvents() {
        synchronized (events) {
            List<QmpEvent> out = new ArrayList<>(events);
            events.clear();
            return out;
        }
    }

    /** Events dropped because the queue was full. */
    public long droppedEvents() {
        synchronized (events) { return droppedEvents; }
    }

    /** Whether the connection is still usable. */
    public boolean isOpen() { return closedReason == null && channel.isOpen(); }

    /** Closes the connection (idempotent, any thread). Pending commands fail with ConnectionClosed. */
    @Override
    public void close() {
        markClosed("the client was closed");
        closeQuietly(channel);
        if (Thread.currentThread() != reader) {
            try {
                reader.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void ensureOpen(String command) {
        String reason = closedReason;
        if (reason != null) {
            throw new QmpException.ConnectionClosed(socket, "cannot send '" + command + "': " + reason, null);
        }
    }

    private void send(ObjectNode msg, String command) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(msg);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise QMP command " + command, e);
        }
        ByteBuffer buf = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) '\n').flip();
        synchronized (writeLock) {
            try {
                while (buf.hasRemaining()) channel.write(buf);
            } catch (IOException e) {
                markClosed("writing failed: " + e.getMessage());
                throw new QmpException.ConnectionClosed(socket, "cannot send '" + command + "': " + e.getMessage()
                        + " (QEMU exited?)", e);
            }
        }
    }

    // ---- reader thread ----

    private void readLoop() {
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        int scanFrom = 0;
        try {
            while (true) {
                if (!buf.hasRemaining()) {
                    if (buf.capacity() >= MAX_LINE_BYTES) {
                        fatal("a line longer than " + MAX_LINE_BYTES + " bytes arrived (not QMP?)");
                        return;
                    }
                    buf = ByteBuffer.allocate(buf.capacity() * 2).put(buf.flip());
                }
                int n = channel.read(buf);
                if (n < 0) {
                    onEof(buf);
                    return;
                }
                bytesReceived += n;
                byte[] a = buf.array();
                int end = buf.position();
                int lineStart = 0;
                for (int i = scanFrom; i < end; i++) {
                    if (a[i] == '\n') {
                        if (!handleLine(a, lineStart, i)) return;
                        lineStart = i + 1;
                    }
                }
                buf.flip().position(lineStart);
                buf.compact();
                scanFrom = buf.position();
                if (scanFrom > 0 && !greetingLine.isDone()) {
                    partialPreview = preview(new String(a, 0, Math.min(scanFrom, 80), StandardCharsets.UTF_8));
                }
            }
        } catch (ClosedChannelException e) {
            markClosed("the client was closed");
        } catch (IOException e) {
            fatal("reading failed: " + e.getMessage());
        }
    }

    /** Dispatches one line [from, to) (to is the '\n'); returns false if the reader must stop. */
    private boolean handleLine(byte[] a, int from, int to) {
        int end = to;
        while (end > from && (a[end - 1] == '\r' || a[end - 1] == ' ')) end--;
        if (end == from) return true;
        JsonNode node;
        try {
            node = JSON.readTree(a, from, end - from);
        } catch (IOException e) {
            String text = preview(new String(a, from, end - from, StandardCharsets.UTF_8));
            if (!greetingLine.isDone()) {
                greetingLine.completeExceptionally(new QmpException.NotQmp(socket, "the peer sent '" + text
                        + "', which is not JSON", "this socket is not QMP. " + START_HINT, e));
                return true;
            }
            fatal("QEMU sent a line that is not JSON: '" + text + "'");
            return false;
        }
        if (!greetingLine.isDone()) {
            greetingLine.complete(node);
            return true;
        }
        JsonNode event = node.get("event");
        if (event != null) {
            JsonNode ts = node.get("timestamp");
            long micros = ts == null ? -1
                    : ts.path("seconds").asLong() * 1_000_000L + ts.path("microseconds").asLong();
            deliver(new QmpEvent(event.asText(), node.path("data"), micros));
            return true;
        }
        if (node.has("return") || node.has("error")) {
            JsonNode id = node.get("id");
            Pending p = id != null && id.canConvertToLong() ? pending.get(id.asLong()) : oldestPending();
            if (p != null) p.reply.complete(node);
            // A reply nobody waits for (its caller timed out) is dropped.
        }
        return true;
    }

    private Pending oldestPending() {
        long best = Long.MAX_VALUE;
        for (Long k : pending.keySet()) best = Math.min(best, k);
        return best == Long.MAX_VALUE ? null : pending.get(best);
    }

    private void deliver(QmpEvent e) {
        Consumer<QmpEvent> l = listener;
        if (l != null) {
            try {
                l.accept(e);
            } catch (RuntimeException ignored) {
                // A faulty listener must not stop the reader: replies still have to be dispatched.
            }
            return;
        }
        synchronized (events) {
            if (events.size() >= EVENT_QUEUE_CAPACITY) {
                events.pollFirst();
                droppedEvents++;
            }
            events.addLast(e);
        }
    }

    private void onEof(ByteBuffer buf) {
        if (!greetingLine.isDone()) {
            String what = buf.position() == 0 ? "the peer closed the connection without sending anything"
                    : "the peer sent '" + preview(new String(buf.array(), 0, Math.min(buf.position(), 80),
                            StandardCharsets.UTF_8)) + "' and closed the connection";
            greetingLine.completeExceptionally(new QmpException.NotQmp(socket, what + " (no QMP greeting)",
                    START_HINT, null));
        }
        markClosed("QEMU closed the connection (QEMU exited?)");
    }

    private void fatal(String reason) {
        if (!greetingLine.isDone()) {
            greetingLine.completeExceptionally(new QmpException.NotQmp(socket, reason, START_HINT, null));
        }
        markClosed(reason);
        closeQuietly(channel);
    }

    private void markClosed(String reason) {
        synchronized (this) {
            if (closedReason == null) closedReason = reason;
        }
        String r = closedReason;
        greetingLine.completeExceptionally(new QmpException.ConnectionClosed(socket, r, null));
        for (Pending p : pending.values()) {
            p.reply.completeExceptionally(new QmpException.ConnectionClosed(socket,
                    "'" + p.command + "' got no reply: " + r, null));
        }
    }

    private static String preview(String s) {
        String oneLine = s.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // Nothing left to do with a channel that cannot even close.
        }
    }
}
