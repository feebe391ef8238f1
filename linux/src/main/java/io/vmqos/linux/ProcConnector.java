package io.vmqos.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.IntPredicate;

/**
 * The wire format of the process events connector and the libc calls {@link ProcEvents} makes, through the FFM
 * API. A datagram holds one or more netlink messages, each {@code struct nlmsghdr} (16 bytes) + {@code struct
 * cn_msg} (20 bytes) + {@code struct proc_event} (16-byte header, then the {@code event_data} union), in native
 * byte order, as in include/uapi/linux/netlink.h, connector.h and cn_proc.h.
 */
final class ProcConnector {
    private ProcConnector() {}

    static final int AF_NETLINK = 16, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000, NETLINK_CONNECTOR = 11;
    static final int CN_IDX_PROC = 1, CN_VAL_PROC = 1, PROC_CN_MCAST_LISTEN = 1;
    static final int SOL_SOCKET = 1, SO_RCVBUF = 8, SO_RCVBUFFORCE = 33;
    static final int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;
    static final int MSG_DONTWAIT = 0x40, POLLIN = 0x1;
    static final int EPERM = 1, EINTR = 4, EAGAIN = 11, EACCES = 13, EPROTONOSUPPORT = 93, EAFNOSUPPORT = 97,
            ENOBUFS = 105;

    static final int NLMSG_HDRLEN = 16, CN_MSG_LEN = 20, EVENT_HDRLEN = 16;
    /** nlmsghdr.nlmsg_type of every connector message. */
    static final int NLMSG_DONE = 3;
    /** Offsets in one message: the cn_msg, the proc_event, its event_data. */
    static final int CN_OFF = NLMSG_HDRLEN, EVENT_OFF = CN_OFF + CN_MSG_LEN, DATA_OFF = EVENT_OFF + EVENT_HDRLEN;
    /** The subscription: nlmsghdr + cn_msg + the u32 operation. */
    static final int LISTEN_LEN = EVENT_OFF + 4;

    static final int PROC_EVENT_NONE = 0, PROC_EVENT_FORK = 0x1, PROC_EVENT_EXEC = 0x2, PROC_EVENT_COMM = 0x200,
            PROC_EVENT_EXIT = 0x80000000;
    static final int COMM_LEN = 16;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    /**
     * Writes the PROC_CN_MCAST_LISTEN request (40 bytes) at the start of {@code buf}. The kernel's acknowledgement
     * carries {@code nonce + 1} in cn_msg.ack; not the request's seq, which its send_msg() overwrites with a
     * per-CPU counter.
     */
    static void encodeListen(MemorySegment buf, int nonce) {
        buf.asSlice(0, LISTEN_LEN).fill((byte) 0);
        buf.set(U32, 0, LISTEN_LEN);                 // nlmsg_len
        buf.set(U16, 4, (short) NLMSG_DONE);         // nlmsg_type; flags, seq 0; nlmsg_pid 0 (the kernel ignores it)
        buf.set(U32, CN_OFF, CN_IDX_PROC);           // cn_msg.id.idx
        buf.set(U32, CN_OFF + 4, CN_VAL_PROC);       // cn_msg.id.val
        buf.set(U32, CN_OFF + 12, nonce);            // cn_msg.ack: the kernel's answer has nonce + 1
        buf.set(U16, CN_OFF + 16, (short) 4);        // cn_msg.len
        buf.set(U32, EVENT_OFF, PROC_CN_MCAST_LISTEN);
    }

    /**
     * What a decoder does with the kernel's answer to a subscription (a proc_event with what == NONE): the answer
     * to every process's subscription reaches every listener; {@code ack} (cn_msg.ack) tells them apart.
     */
    interface AckSink { void ack(int ack, int err); }

    /**
     * Decodes datagrams into {@link ProcEvent}s. Not thread-safe: one per reader; it allocates nothing but the
     * records (and a Comm's string).
     */
    static final class Decoder {
        private final byte[] comm = new byte[COMM_LEN];

        /**
         * Calls {@code sink} for each FORK, EXEC, COMM and EXIT event in {@code buf[0, len)} whose process is
         * accepted by {@code interest} (a FORK if either its child's or its parent's process is), and
         * {@code acks} for each acknowledgement. Other event kinds and malformed messages are skipped.
         *
         * @return the number of proc_event messages read, delivered or not
         */
        int decode(MemorySegment buf, int len, IntPredicate interest, Consumer<? super ProcEvent> sink, AckSink acks) {
            int off = 0, events = 0;
            while (len - off >= NLMSG_HDRLEN) {
                int msgLen = buf.get(U32, off);
                if (msgLen < NLMSG_HDRLEN || msgLen > len - off) break; // truncated datagram
                if ((buf.get(U16, off + 4) & 0xffff) == NLMSG_DONE && msgLen >= DATA_OFF
                        && buf.get(U32, off + CN_OFF) == CN_IDX_PROC && buf.get(U32, off + CN_OFF + 4) == CN_VAL_PROC) {
                    int payload = Math.min(buf.get(U16, off + CN_OFF + 16) & 0xffff, msgLen - EVENT_OFF);
                    event(buf, off + EVENT_OFF, payload, buf.get(U32, off + CN_OFF + 12), interest, sink, acks);
                    events++;
                }
                off += (msgLen + 3) & ~3; // NLMSG_ALIGN
            }
            return events;
        }

        /** One proc_event at {@code buf[at, at + payload)}. */
        private void event(MemorySegment e, int at, int payload, int ack, IntPredicate interest,
                           Consumer<? super ProcEvent> sink, AckSink acks) {
            int what = e.get(U32, at);
            if (payload - EVENT_HDRLEN < need(what)) return; // also skips the kinds not needed
            long ts = e.get(U64, at + 8);
            int d = at + EVENT_HDRLEN;
            if (what == PROC_EVENT_NONE) {
                acks.ack(ack, e.get(U32, d)); // ack.err
                return;
            }
            int pid = e.get(U32, d), tgid = e.get(U32, d + 4);
            switch (what) {
                case PROC_EVENT_FORK -> {
                    int childPid = e.get(U32, d + 8), childTgid = e.get(U32, d + 12);
                    if (interest.test(childTgid) || interest.test(tgid)) {
                        sink.accept(new ProcEvent.Fork(pid, tgid, childPid, childTgid, ts));
                    }
                }
                case PROC_EVENT_EXEC -> {
                    if (interest.test(tgid)) sink.accept(new ProcEvent.Exec(pid, tgid, ts));
                }
                case PROC_EVENT_COMM -> {
                    if (interest.test(tgid)) sink.accept(new ProcEvent.Comm(pid, tgid, comm(e, d + 8), ts));
                }
                default -> { // PROC_EVENT_EXIT: need() lets no other kind through
                    if (interest.test(tgid)) sink.accept(new ProcEvent.Exit(pid, tgid, e.get(U32, d + 8), ts));
                }
            }
        }

        private String comm(MemorySegment e, int at) {
            int n = 0;
            while (n < COMM_LEN && (comm[n] = e.get(ValueLayout.JAVA_BYTE, at + n)) != 0) n++;
            return new String(comm, 0, n, StandardCharsets.UTF_8);
        }

        /** Bytes of event_data a kind needs; the kinds not decoded (UID, GID, SID, PTRACE, COREDUMP) never fit. */
        private static int need(int what) {
            return switch (what) {
                case PROC_EVENT_NONE -> 4;
                case PROC_EVENT_FORK -> 16;
                case PROC_EVENT_EXEC -> 8;
                case PROC_EVENT_COMM -> 8 + COMM_LEN;
                case PROC_EVENT_EXIT -> 12;
                default -> Integer.MAX_VALUE;
            };
        }
    }

    // ---- libc through FFM; every call captures errno into a per-thread segment of CAPTURE ----

    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout P = ValueLayout.ADDRESS;

    private static final MethodHandle SOCKET = libc("socket", FunctionDescriptor.of(I, I, I, I));
    private static final MethodHandle BIND = libc("bind", FunctionDescriptor.of(I, I, P, I));
    private static final MethodHandle SETSOCKOPT = libc("setsockopt", FunctionDescriptor.of(I, I, I, I, P, I));
    private static final MethodHandle GETSOCKOPT = libc("getsockopt", FunctionDescriptor.of(I, I, I, I, P, P));
    private static final MethodHandle SEND = libc("send", FunctionDescriptor.of(L, I, P, L, I));
    private static final MethodHandle RECV = libc("recv", FunctionDescriptor.of(L, I, P, L, I));
    private static final MethodHandle POLL = libc("poll", FunctionDescriptor.of(I, P, L, I));
    private static final MethodHandle EVENTFD = libc("eventfd", FunctionDescriptor.of(I, I, I));
    private static final MethodHandle WRITE = libc("write", FunctionDescriptor.of(L, I, P, L));
    private static final MethodHandle CLOSE = libc("close", FunctionDescriptor.of(I, I));

    /** sockaddr_nl {nl_family, nl_pad, nl_pid = 0 (the kernel picks), nl_groups}. */
    static final int SOCKADDR_NL_LEN = 12;
    /** struct pollfd {int fd; short events; short revents}. */
    static final int POLLFD_LEN = 8;

    static int errno(MemorySegment state) { return (int) ERRNO.get(state, 0L); }

    static int socket(MemorySegment state, int domain, int type, int protocol) {
        try { return (int) SOCKET.invokeExact(state, domain, type, protocol); }
        catch (Throwable t) { throw failed("socket", t); }
    }

    static int bind(MemorySegment state, int fd, MemorySegment addr, int len) {
        try { return (int) BIND.invokeExact(state, fd, addr, len); }
        catch (Throwable t) { throw failed("bind", t); }
    }

    static int setsockopt(MemorySegment state, int fd, int level, int name, MemorySegment value, int len) {
        try { return (int) SETSOCKOPT.invokeExact(state, fd, level, name, value, len); }
        catch (Throwable t) { throw failed("setsockopt", t); }
    }

    static int getsockopt(MemorySegment state, int fd, int level, int name, MemorySegment value, MemorySegment len) {
        try { return (int) GETSOCKOPT.invokeExact(state, fd, level, name, value, len); }
        catch (Throwable t) { throw failed("getsockopt", t); }
    }

    static long send(MemorySegment state, int fd, MemorySegment buf, long len, int flags) {
        try { return (long) SEND.invokeExact(state, fd, buf, len, flags); }
        catch (Throwable t) { throw failed("send", t); }
    }

    static long recv(MemorySegment state, int fd, MemorySegment buf, long len, int flags) {
        try { return (long) RECV.invokeExact(state, fd, buf, len, flags); }
        catch (Throwable t) { throw failed("recv", t); }
    }

    static int poll(MemorySegment state, MemorySegment fds, long nfds, int timeoutMs) {
        try { return (int) POLL.invokeExact(state, fds, nfds, timeoutMs); }
        catch (Throwable t) { throw failed("poll", t); }
    }

    static int eventfd(MemorySegment state, int initval, int flags) {
        try { return (int) EVENTFD.invokeExact(state, initval, flags); }
        catch (Throwable t) { throw failed("eventfd", t); }
    }

    static long write(MemorySegment state, int fd, MemorySegment buf, long len) {
        try { return (long) WRITE.invokeExact(state, fd, buf, len); }
        catch (Throwable t) { throw failed("write", t); }
    }

    static int close(MemorySegment state, int fd) {
        try { return (int) CLOSE.invokeExact(state, fd); }
        catch (Throwable t) { throw failed("close", t); }
    }

    private static MethodHandle libc(String name, FunctionDescriptor fd) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), fd,
                Linker.Option.captureCallState("errno"));
    }

    private static IllegalStateException failed(String call, Throwable t) {
        return new IllegalStateException(call + " failed to run", t);
    }
}
