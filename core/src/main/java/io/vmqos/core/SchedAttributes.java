package io.vmqos.core;

import java.util.EnumSet;
import java.util.Set;

/**
 * Everything {@code sched_getattr} tells about a thread and {@code sched_setattr} needs to put it back:
 * policy, raw flag bits, nice, real-time priority and the DEADLINE parameters in nanoseconds.
 *
 * <p>Immutable value. Two snapshots are {@link #sameSchedulingAs equal for scheduling} when setting one over
 * the other would change nothing; that is what makes an apply idempotent.
 *
 * @param flags raw {@code sched_flags}; see {@link SchedFlag}
 * @param nice -20..19, meaningful for OTHER/BATCH/IDLE
 * @param priority 1..99 for FIFO/RR, else 0
 */
public record SchedAttributes(SchedPolicy policy, long flags, int nice, int priority,
                              long runtimeNs, long deadlineNs, long periodNs) {

    /** Flag bits that are state, not request: the kernel may report them but they are not set back. */
    static final long UTIL_CLAMP_AND_KEEP_BITS = 0x08 | 0x10 | 0x20 | 0x40;

    public SchedAttributes {
        if (policy == null) throw new IllegalArgumentException("policy is null");
    }

    /** A plain SCHED_OTHER thread at nice 0. */
    public static SchedAttributes other() { return other(0); }

    /** SCHED_OTHER at the given nice. */
    public static SchedAttributes other(int nice) {
        return new SchedAttributes(SchedPolicy.OTHER, 0, nice, 0, 0, 0, 0);
    }

    /** SCHED_FIFO at the given priority, with RESET_ON_FORK. */
    public static SchedAttributes fifo(int priority) {
        return new SchedAttributes(SchedPolicy.FIFO, SchedFlag.RESET_ON_FORK.bit(), 0, priority, 0, 0, 0);
    }

    /** SCHED_DEADLINE with the reservation's parameters; vmqos always adds RESET_ON_FORK. */
    public static SchedAttributes deadline(Reservation r, Set<SchedFlag> extra) {
        EnumSet<SchedFlag> f = EnumSet.of(SchedFlag.RESET_ON_FORK);
        f.addAll(extra);
        return new SchedAttributes(SchedPolicy.DEADLINE, SchedFlag.mask(f), 0, 0,
                r.runtimeNs(), r.deadlineNs(), r.periodNs());
    }

    /** SCHED_DEADLINE with RESET_ON_FORK only. */
    public static SchedAttributes deadline(Reservation r) { return deadline(r, Set.of()); }

    public boolean isDeadline() { return policy == SchedPolicy.DEADLINE; }

    /** Whether it has {@link SchedFlag#RECLAIM} (GRUB: a DEADLINE thread may then run beyond its runtime). */
    public boolean reclaims() { return (flags & SchedFlag.RECLAIM.bit()) != 0; }

    /** The reservation this DEADLINE thread holds; throws for other policies. */
    public Reservation reservation() {
        if (!isDeadline()) throw new IllegalStateException("not a DEADLINE thread: " + policy);
        return new Reservation(runtimeNs, deadlineNs, periodNs);
    }

    /** The bandwidth runtime/period this thread holds in the kernel's ledger, {@link CpuBandwidth#ZERO} unless DEADLINE. */
    public CpuBandwidth bandwidth() {
        return isDeadline() ? CpuBandwidth.ofRuntime(runtimeNs, periodNs) : CpuBandwidth.ZERO;
    }

    /** Flags as sched_setattr should receive them (state bits removed). */
    public long requestFlags() { return flags & ~UTIL_CLAMP_AND_KEEP_BITS; }

    /** True when setting {@code other} over this would change nothing the kernel schedules by. */
    public boolean sameSchedulingAs(SchedAttributes other) {
        if (policy != other.policy || requestFlags() != other.requestFlags()) return false;
        return switch (policy) {
            case DEADLINE -> runtimeNs == other.runtimeNs && deadlineNs == other.deadlineNs && periodNs == other.periodNs;
            case FIFO, RR -> priority == other.priority;
            case IDLE -> true; // the kernel keeps, and ignores, an IDLE thread's nice
            default -> nice == other.nice;
        };
    }

    /** Short human form: {@code DEADLINE 2ms/10ms}, {@code FIFO 50}, {@code OTHER nice 0}. */
    public String describe() {
        return switch (policy) {
            case DEADLINE -> "DEADLINE " + reservation();
            case FIFO, RR -> policy + " " + priority;
            default -> policy + " nice " + nice;
        };
    }
}
