package io.vmqos.lab;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Creates sockets inside a named network namespace from this JVM, without a child process.
 *
 * <p>How: setns(2) switches the network namespace of the calling <em>thread</em> only, and a socket stays in
 * the namespace it was created in for its whole life. So {@link #inNamespace} starts a fresh platform thread,
 * moves that thread into {@code /run/netns/NS}, runs the action (which opens sockets), and lets the thread end.
 * The returned sockets can then be used from any thread (including virtual threads) and send/receive inside
 * NS. Only socket creation must happen in the action; never run virtual threads or blocking pools there.
 * Needs CAP_SYS_ADMIN (root). Thread-safe.
 */
public final class NetnsSockets {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0, O_CLOEXEC = 0x80000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SETNS = downcall("setns",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private NetnsSockets() {}

    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        MemorySegment sym = LINKER.defaultLookup().find(name).orElseThrow();
        return LINKER.downcallHandle(sym, fd, Linker.Option.captureCallState("errno"));
    }

    /** Runs {@code action} on a new platform thread that has joined network namespace {@code ns}. */
    public static <T> T inNamespace(String ns, Callable<T> action) throws IOException {
        FutureTask<T> task = new FutureTask<>(() -> {
            enter(ns);
            return action.call();
        });
        Thread t = Thread.ofPlatform().name("vqlab-netns-" + ns).start(task);
        try {
            T result = task.get();
            t.join();
            return result;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException("action in netns " + ns + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** An unbound IPv4 UDP channel living in namespace {@code ns}. */
    public static DatagramChannel openDatagram(String ns) throws IOException {
        return inNamespace(ns, () -> DatagramChannel.open(StandardProtocolFamily.INET));
    }

    private static void enter(String ns) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(state, a.allocateFrom("/run/netns/" + ns), O_RDONLY | O_CLOEXEC);
            if (fd < 0) throw new IOException("cannot open /run/netns/" + ns + ": errno " + (int) ERRNO.get(state, 0L)
                    + " (does the namespace exist? ip netns list)");
            int rc = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
            int errno = (int) ERRNO.get(state, 0L);
            int ignored = (int) CLOSE.invokeExact(state, fd);
            if (rc != 0) throw new IOException("setns(" + ns + ") failed: errno " + errno + " (needs root / CAP_SYS_ADMIN)");
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("setns(" + ns + ") failed: " + t, t);
        }
    }
}
