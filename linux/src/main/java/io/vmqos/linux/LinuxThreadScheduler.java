package io.vmqos.linux;

import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * {@code sched_setattr(2)}/{@code sched_getattr(2)} for any thread id, through the FFM API (x86_64 syscalls 314
 * and 315; {@code struct sched_attr}, 56 bytes). Each errno becomes a {@link SchedException} whose message names
 * the cause and the fix.
 *
 * <p>Thread-safe: every call allocates its 56-byte struct in a confined arena and makes one syscall.
 */
public final class LinuxThreadScheduler implements ThreadScheduler {
    private static final long SYS_SCHED_SETATTR = 314;
    private static final long SYS_SCHED_GETATTR = 315;
    private static final long SYS_GETTID = 186;
    static final int ATTR_SIZE = 56;

    private static final int EPERM = 1, ESRCH = 3, E2BIG = 7, EBUSY = 16, EINVAL = 22;

    static final StructLayout SCHED_ATTR = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("size"),
            ValueLayout.JAVA_INT.withName("sched_policy"),
            ValueLayout.JAVA_LONG.withName("sched_flags"),
            ValueLayout.JAVA_INT.withName("sched_nice"),
            ValueLayout.JAVA_INT.withName("sched_priority"),
            ValueLayout.JAVA_LONG.withName("sched_runtime"),
            ValueLayout.JAVA_LONG.withName("sched_deadline"),
            ValueLayout.JAVA_LONG.withName("sched_period"),
            ValueLayout.JAVA_INT.withName("sched_util_min"),
            ValueLayout.JAVA_INT.withName("sched_util_max"));

    private static final VarHandle SIZE = field("size");
    private static final VarHandle POLICY = field("sched_policy");
    private static final VarHandle FLAGS = field("sched_flags");
    private static final VarHandle NICE = field("sched_nice");
    private static final VarHandle PRIORITY = field("sched_priority");
    private static final VarHandle RUNTIME = field("sched_runtime");
    private static final VarHandle DEADLINE = field("sched_deadline");
    private static final VarHandle PERIOD = field("sched_period");

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    /** long syscall(long nr, long a1, void *a2, long a3, long a4): glibc reads every argument as a long. */
    private static final MethodHandle SYSCALL4;
    private static final MethodHandle SYSCALL0;

    static {
        Linker linker = Linker.nativeLinker();
        MemorySegment sym = linker.defaultLookup().find("syscall").orElseThrow();
        SYSCALL4 = linker.downcallHandle(sym,
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
        SYSCALL0 = linker.downcallHandle(sym,
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        if (SCHED_ATTR.byteSize() != ATTR_SIZE) throw new AssertionError("sched_attr layout is " + SCHED_ATTR.byteSize());
    }

    private final Supplier<String> admissionContext;

    /** A scheduler whose EBUSY messages carry no ledger figures. */
    public LinuxThreadScheduler() { this(() -> ""); }

    /**
     * @param admissionContext called only when the kernel answers EBUSY, to add the root domain's held/capacity
     *     figures to the message (e.g. from the ledger); may return "".
     */
    public LinuxThreadScheduler(Supplier<String> admissionContext) { this.admissionContext = admissionContext; }

    /** The calling thread's kernel thread id ({@code gettid(2)}). */
    public static int currentTid() {
        try {
            return (int) (long) SYSCALL0.invokeExact(SYS_GETTID);
        } catch (Throwable t) {
            throw new IllegalStateException("gettid failed", t);
        }
    }

    @Override
    public SchedAttributes get(int tid) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(SCHED_ATTR);
            MemorySegment state = arena.allocate(CAPTURE);
            // sched_getattr(pid, attr, size, flags = 0)
            long rc = (long) SYSCALL4.invokeExact(state, SYS_SCHED_GETATTR, (long) tid, attr, (long) ATTR_SIZE, 0L);
            if (rc != 0) throw error(tid, (int) ERRNO.get(state, 0L), null, true);
            return new SchedAttributes(SchedPolicy.ofKernel((int) POLICY.get(attr, 0L)),
                    (long) FLAGS.get(attr, 0L), (int) NICE.get(attr, 0L), (int) PRIORITY.get(attr, 0L),
                    (long) RUNTIME.get(attr, 0L), (long) DEADLINE.get(attr, 0L), (long) PERIOD.get(attr, 0L));
        } catch (SchedException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sched_getattr(" + tid + ") failed to run", t);
        }
    }

    @Override
    public void set(int tid, SchedAttributes a) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(SCHED_ATTR);
            SIZE.set(attr, 0L, ATTR_SIZE);
            POLICY.set(attr, 0L, a.policy().kernelValue());
            FLAGS.set(attr, 0L, a.requestFlags());
            NICE.set(attr, 0L, a.policy().isFair() ? a.nice() : 0);
            PRIORITY.set(attr, 0L, a.policy().isRealTime() ? a.priority() : 0);
            RUNTIME.set(attr, 0L, a.isDeadline() ? a.runtimeNs() : 0L);
            DEADLINE.set(attr, 0L, a.isDeadline() ? a.deadlineNs() : 0L);
            PERIOD.set(attr, 0L, a.isDeadline() ? a.periodNs() : 0L);
            MemorySegment state = arena.allocate(CAPTURE);
            // sched_setattr(pid, attr, flags = 0); the 4th slot is ignored by the kernel
            long rc = (long) SYSCALL4.invokeExact(state, SYS_SCHED_SETATTR, (long) tid, attr, 0L, 0L);
            if (rc != 0) throw error(tid, (int) ERRNO.get(state, 0L), a, false);
        } catch (SchedException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sched_setattr(" + tid + ") failed to run", t);
        }
    }

    private SchedException error(int tid, int errno, SchedAttributes wanted, boolean reading) {
        String call = reading ? "sched_getattr" : "sched_setattr";
        String what = wanted == null ? "" : " to " + wanted.describe();
        return switch (errno) {
            case ESRCH -> new SchedException.ThreadGone(tid, call + ": thread " + tid
                    + " does not exist (it exited or the id is wrong); list live threads with: ls /proc/PID/task");
            case EPERM -> new SchedException.PermissionDenied(tid, call + ": not permitted to set thread " + tid + what
                    + ": run as root (or with CAP_SYS_NICE)"
                    + (wanted != null && wanted.isDeadline()
                        ? "; a DEADLINE thread's CPU affinity must span its whole root domain (thread allows CPUs "
                          + allowedCpus(tid) + ", last ran on CPU " + lastCpu(tid) + "): widen it with taskset, or partition CPUs "
                          + "with an exclusive cpuset; a thread moved to another cpuset while asleep is still in the root domain "
                          + "of the CPU it last ran on until it wakes up: retry once it has run"
                        : ""));
            case EBUSY -> {
                String ctx = admissionContext.get();
                yield new SchedException.AdmissionRefused(tid, call + ": deadline admission control refused "
                        + (wanted != null && wanted.isDeadline() ? wanted.bandwidth().percent() + " of a CPU " : "")
                        + "for thread " + tid + what + ": its root domain has no room"
                        + (ctx.isEmpty() ? "" : " (" + ctx + ")")
                        + "; release other reservations, lower runtime/period, or repair a leaked ledger with: vmqos doctor --repair");
            }
            case EINVAL -> new SchedException.InvalidParameters(tid, call + ": kernel refused the parameters for thread "
                    + tid + what + ": need 1024ns <= runtime <= deadline <= period, a period within "
                    + "/proc/sys/kernel/sched_deadline_period_{min,max}_us, and known flags");
            case E2BIG -> new SchedException.Other(tid, errno, call + ": the kernel's struct sched_attr differs from 56 bytes");
            default -> new SchedException.Other(tid, errno, call + ": thread " + tid + what + " failed with errno " + errno);
        };
    }

    /** The thread's Cpus_allowed_list from procfs, or "?" if unreadable. */
    static String allowedCpus(int tid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(tid), "status"))) {
                if (line.startsWith("Cpus_allowed_list:")) return line.substring(18).trim();
            }
        } catch (Exception ignored) {
            // thread gone or procfs unreadable: the message then shows "?"
        }
        return "?";
    }

    /** The CPU the thread last ran on (field 39 of its stat), or "?" if unreadable. */
    static String lastCpu(int tid) {
        return new ProcFs().stat(tid).map(st -> Integer.toString(st.processor())).orElse("?");
    }

    private static VarHandle field(String name) {
        return SCHED_ATTR.varHandle(MemoryLayout.PathElement.groupElement(name));
    }
}
