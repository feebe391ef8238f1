package io.vmqos.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

import static io.vmqos.linux.ProcConnector.*;

/**
 * The kernel's process events connector ({@code NETLINK_CONNECTOR}, {@code CN_IDX_PROC}): every fork, exec,
 * rename ({@code comm}) and exit of every thread on the machine, as {@link ProcEvent}s, pushed by the kernel
 * within microseconds instead of found by polling {@code /proc}.
 *
 * <p>{@link #open} subscribes and returns once the kernel has acknowledged the subscription: every task event
 * after it returns is reported, and the listener is first called after it has returned (events queued before the
 * acknowledgement, which other subscribers' traffic can bring, are dropped). Lost events are not silent: a
 * full receive buffer yields {@link ProcEvent.Overrun}, after which the caller must rescan {@code /proc}. Ids are
 * those of the initial pid namespace; requests from other pid or user namespaces get no answer from the kernel.
 *
 * <p>Threading: the listener is called on one daemon thread ({@code vmqos-proc-events}), one event at a time in
 * the order the kernel queued them. It must be quick (hand work to another thread): while it runs, events queue in
 * the socket's receive buffer (4 MiB asked for, which the kernel doubles: some 10,000 events of about 830 bytes each
 * as it counts them) and are lost past it. An exception the listener throws goes to the thread's uncaught exception
 * handler and the next event is delivered.
 *
 * <p>Cost: the connector reports the whole machine; the {@code interest} predicate given to
 * {@link #open(IntPredicate, Consumer)} drops other processes' events before any object is made, and decoding
 * reuses one native buffer. What an event costs is mostly the reader's wake-up and its system calls ({@code poll},
 * {@code recv}, and a {@code recv} that finds the queue empty): some 25 us of CPU on a small VM with page-table
 * isolation, i.e. a quarter of a percent of a CPU at 100 events/s (see ProcEventsBenchmark).
 *
 * <p>{@link #close()} is idempotent and thread-safe: it wakes the reader (an eventfd it polls beside the socket:
 * netlink sockets do not support {@code shutdown}, and closing a socket does not wake a thread blocked in its
 * {@code recv}), waits for the listener's current call to return and the reader to end, and the reader closes the
 * socket, so its descriptor number is never used after another thread may have been given it. No
 * listener call starts after close() returns. Called from the listener itself it returns at once and the reader ends
 * after that call.
 */
public final class ProcEvents implements AutoCloseable {
    /** Receive buffer asked for (the kernel doubles it for bookkeeping). */
    static final int DEFAULT_RECEIVE_BUFFER = 4 << 20;
    static final long ACK_TIMEOUT_MS = 2000;
    private static final long RESEND_NS = 200_000_000;
    private static final int BUFFER_BYTES = 16 << 10;
    private static final int NO_ACK = Integer.MIN_VALUE;

    private final int sock, wake, nonce, receiveBuffer;
    private final IntPredicate interest;
    private final Consumer<? super ProcEvent> listener;
    private final Thread reader;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch acked = new CountDownLatch(1);
    /** Opened when open() returns (or close() is called): the reader delivers nothing before. */
    private final CountDownLatch released = new CountDownLatch(1);
    private boolean subscribed; // reader thread only: our acknowledgement has been read
    private volatile int ackErr = NO_ACK;
    private volatile long eventsRead;
    private final Object fdLock = new Object();
    private boolean fdsClosed; // guarded by fdLock: the reader closed sock and wake

    private ProcEvents(int sock, int wake, int nonce, int receiveBuffer, IntPredicate interest,
                       Consumer<? super ProcEvent> listener) {
        this.sock = sock;
        this.wake = wake;
        this.nonce = nonce;
        this.receiveBuffer = receiveBuffer;
        this.interest = interest;
        this.listener = listener;
        this.reader = Thread.ofPlatform().name("vmqos-proc-events").daemon().unstarted(this::read);
    }

    /** Subscribes to every process's events; see {@link #open(IntPredicate, Consumer)}. */
    public static ProcEvents open(Consumer<? super ProcEvent> listener) { return open(tgid -> true, listener); }

    /**
     * Subscribes to the events of the processes {@code interest} accepts (a process id; a {@link ProcEvent.Fork}
     * passes if its child's or its parent's process does; {@link ProcEvent.Overrun} always passes). The predicate
     * runs on the reader thread for every event of the machine: make it cheap, e.g. {@code pids::contains} on a
     * concurrent set the caller updates.
     *
     * @throws ProcEventsUnavailableException if the kernel lacks the connector or CONFIG_PROC_EVENTS, the caller
     *     lacks CAP_NET_ADMIN (kernels before 6.6 ask for it), or the kernel ignores the request (not in the initial
     *     namespaces)
     */
    public static ProcEvents open(IntPredicate interest, Consumer<? super ProcEvent> listener) {
        return open(interest, listener, DEFAULT_RECEIVE_BUFFER, ACK_TIMEOUT_MS);
    }

    static ProcEvents open(IntPredicate interest, Consumer<? super ProcEvent> listener, int receiveBufferBytes,
                           long ackTimeoutMs) {
        Objects.requireNonNull(interest, "interest");
        Objects.requireNonNull(listener, "listener");
        ProcEvents events;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int sock = socket(state, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
            if (sock < 0) throw unavailable("socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR)", errno(state));
            int wake = -1;
            try {
                int granted = receiveBuffer(arena, state, sock, receiveBufferBytes);
                MemorySegment addr = arena.allocate(SOCKADDR_NL_LEN, 4);
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
                addr.set(ValueLayout.JAVA_INT, 8, CN_IDX_PROC); // nl_groups; nl_pid 0: the kernel picks a port id
                if (bind(state, sock, addr, SOCKADDR_NL_LEN) != 0) throw unavailable("bind to CN_IDX_PROC", errno(state));
                wake = eventfd(state, 0, EFD_CLOEXEC | EFD_NONBLOCK);
                if (wake < 0) {
                    throw new ProcEventsUnavailableException(errno(state), "eventfd failed with errno " + errno(state));
                }
                events = new ProcEvents(sock, wake, ThreadLocalRandom.current().nextInt(), granted, interest, listener);
            } catch (RuntimeException e) {
                ProcConnector.close(state, sock);
                if (wake >= 0) ProcConnector.close(state, wake);
                throw e;
            }
            events.reader.start(); // from here on the reader owns and closes the descriptors
            try {
                events.subscribe(arena, state, ackTimeoutMs);
            } catch (RuntimeException e) {
                events.close();
                throw e;
            }
        }
        events.released.countDown();
        return events;
    }

    /**
     * True until {@link #close()} is called or the reader ends, which it does only then or when a system call fails
     * unexpectedly (reported to its uncaught exception handler).
     */
    public boolean isOpen() { return !closing.get() && reader.isAlive(); }

    /** The receive buffer the kernel granted, in bytes as it counts them (twice what was asked for). */
    public int receiveBufferBytes() { return receiveBuffer; }

    /** Connector messages read so far, delivered or filtered out (for benchmarks). */
    long eventsRead() { return eventsRead; }

    /** The thread that calls the listener (for tests and benchmarks). */
    Thread readerThread() { return reader; }

    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) wakeReader();
        released.countDown();
        ListenerThreads.joinUnlessCurrent(reader);
    }

    private void read() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(BUFFER_BYTES, 8);
            MemorySegment fds = arena.allocate(2L * POLLFD_LEN, 4); // {sock, POLLIN}, {wake, POLLIN}
            fds.set(ValueLayout.JAVA_INT, 0, sock);
            fds.set(ValueLayout.JAVA_SHORT, 4, (short) POLLIN);
            fds.set(ValueLayout.JAVA_INT, POLLFD_LEN, wake);
            fds.set(ValueLayout.JAVA_SHORT, POLLFD_LEN + 4, (short) POLLIN);
            Decoder decoder = new Decoder();
            Consumer<ProcEvent> deliver = this::deliver;
            AckSink acks = this::ack;
            long total = 0;
            while (!closing.get()) {
                if (poll(state, fds, 2, -1) < 0) {
                    if (errno(state) == EINTR) continue;
                    throw new IllegalStateException("poll on the process events socket failed with errno " + errno(state));
                }
                if (fds.get(ValueLayout.JAVA_SHORT, POLLFD_LEN + 6) != 0) break; // close() wrote the eventfd
                while (!closing.get()) { // the socket is readable (or has an error): drain it
                    long n = recv(state, sock, buf, BUFFER_BYTES, MSG_DONTWAIT);
                    if (n > 0) {
                        total += decoder.decode(buf, (int) n, interest, deliver, acks);
                        eventsRead = total;
                        continue;
                    }
                    int err = n == 0 ? EAGAIN : errno(state);
                    if (err == EAGAIN) break;
                    if (err == ENOBUFS) deliver(new ProcEvent.Overrun(System.nanoTime()));
                    else if (err != EINTR) {
                        throw new IllegalStateException("recv on the process events socket failed with errno " + err);
                    }
                }
            }
        } finally {
            synchronized (fdLock) {
                fdsClosed = true;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment state = arena.allocate(CAPTURE);
                    ProcConnector.close(state, sock);
                    ProcConnector.close(state, wake);
                }
            }
            acked.countDown(); // an open() still waiting gives up
        }
    }

    private void deliver(ProcEvent e) {
        if (!subscribed) return; // queued before our subscription took effect
        while (released.getCount() > 0) { // open() returns within microseconds of the acknowledgement
            try {
                released.await();
            } catch (InterruptedException ignored) {
                // nothing interrupts the reader on purpose: keep waiting
            }
        }
        if (closing.get()) return;
        try {
            listener.accept(e);
        } catch (RuntimeException ex) {
            ListenerThreads.report(ex);
        }
    }

    private void ack(int ack, int err) {
        if (ack != nonce + 1 || acked.getCount() == 0) return; // another process's subscription, or a repeat
        subscribed = err == 0;
        ackErr = err;
        acked.countDown();
    }

    /**
     * Sends PROC_CN_MCAST_LISTEN until the kernel acknowledges it: the acknowledgement travels like any event, so a
     * burst of other events that fills the receive buffer first drops it, and a repeated request is harmless (the
     * kernel counts each socket as one listener).
     */
    private void subscribe(Arena arena, MemorySegment state, long timeoutMs) {
        MemorySegment msg = arena.allocate(LISTEN_LEN, 4);
        encodeListen(msg, nonce);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            do {
                if (send(state, sock, msg, LISTEN_LEN, 0) != LISTEN_LEN) {
                    throw unavailable("send(PROC_CN_MCAST_LISTEN)", errno(state));
                }
            } while (!acked.await(Math.min(RESEND_NS, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                     && System.nanoTime() < deadline);
            if (acked.getCount() > 0) {
                throw new ProcEventsUnavailableException(0, "the kernel did not acknowledge the process events "
                        + "subscription within " + timeoutMs + " ms (asked every 200 ms): the kernel lacks "
                        + "CONFIG_PROC_EVENTS (check with: zgrep PROC_EVENTS /proc/config.gz), or this process is not in "
                        + "the initial pid and user namespaces, whose requests the connector ignores: run the agent on "
                        + "the host, not in a container");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while subscribing to process events", e);
        }
        if (ackErr == NO_ACK) throw new IllegalStateException("the process events reader ended before the kernel answered");
        if (ackErr != 0) throw unavailable("PROC_CN_MCAST_LISTEN", ackErr);
    }

    private void wakeReader() {
        synchronized (fdLock) {
            if (fdsClosed) return; // the reader has ended: its descriptor numbers may belong to someone else now
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(CAPTURE);
                MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
                one.set(ValueLayout.JAVA_LONG, 0, 1L);
                if (write(state, wake, one, 8) != 8) {
                    throw new IllegalStateException("cannot wake the process events reader: eventfd write failed with errno "
                            + errno(state));
                }
            }
        }
    }

    /** Sets SO_RCVBUF (past net.core.rmem_max with SO_RCVBUFFORCE, as root) and returns what the kernel granted. */
    private static int receiveBuffer(Arena arena, MemorySegment state, int sock, int bytes) {
        MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
        v.set(ValueLayout.JAVA_INT, 0, bytes);
        if (setsockopt(state, sock, SOL_SOCKET, SO_RCVBUFFORCE, v, 4) != 0) {
            setsockopt(state, sock, SOL_SOCKET, SO_RCVBUF, v, 4); // capped at net.core.rmem_max; best effort
        }
        MemorySegment len = arena.allocate(ValueLayout.JAVA_INT);
        len.set(ValueLayout.JAVA_INT, 0, 4);
        return getsockopt(state, sock, SOL_SOCKET, SO_RCVBUF, v, len) == 0 ? v.get(ValueLayout.JAVA_INT, 0) : -1;
    }

    private static ProcEventsUnavailableException unavailable(String call, int errno) {
        String why = switch (errno) {
            case EPERM, EACCES -> "not permitted: subscribing to process events needs CAP_NET_ADMIN (before Linux "
                    + "6.6); run the agent as root or grant it CAP_NET_ADMIN";
            case EPROTONOSUPPORT, EAFNOSUPPORT -> "the kernel has no netlink connector: it needs CONFIG_CONNECTOR=y and "
                    + "CONFIG_PROC_EVENTS=y (check with: zgrep -E 'CONNECTOR|PROC_EVENTS' /proc/config.gz); without "
                    + "them new threads can only be found by polling /proc";
            default -> "failed with errno " + errno;
        };
        return new ProcEventsUnavailableException(errno, "process events: " + call + ": " + why);
    }
}
