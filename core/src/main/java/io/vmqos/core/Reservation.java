package io.vmqos.core;

/**
 * A SCHED_DEADLINE reservation: {@code runtime} nanoseconds of CPU every {@code period}, to be received within
 * {@code deadline} of each activation. Immutable; construction only checks nulls/signs, {@link #validate}
 * checks the kernel's rules.
 */
public record Reservation(long runtimeNs, long deadlineNs, long periodNs) {

    /** The kernel refuses runtimes below 2^DL_SCALE ns (DL_SCALE = 10). */
    public static final long MIN_RUNTIME_NS = 1024;

    /** Implicit deadline: D = P. */
    public static Reservation of(long runtimeNs, long periodNs) {
        return new Reservation(runtimeNs, periodNs, periodNs);
    }

    /**
     * Parses {@code Q/P} or {@code Q/D/P} in human units, e.g. {@code 2ms/10ms} or {@code 1ms/5ms/10ms}.
     *
     * @param field the option or key being parsed, named in errors
     */
    public static Reservation parse(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(field, "is missing", "give runtime/period, e.g. 2ms/10ms");
        }
        String[] parts = text.trim().split("/");
        if (parts.length == 2) {
            long q = Durations.parseNanos(field + " (runtime)", parts[0]);
            long p = Durations.parseNanos(field + " (period)", parts[1]);
            return of(q, p);
        }
        if (parts.length == 3) {
            return new Reservation(Durations.parseNanos(field + " (runtime)", parts[0]),
                    Durations.parseNanos(field + " (deadline)", parts[1]),
                    Durations.parseNanos(field + " (period)", parts[2]));
        }
        throw new InvalidInputException(field, "'" + text + "' is not runtime/period",
                "write runtime/period or runtime/deadline/period, e.g. 2ms/10ms");
    }

    /** Bandwidth Q/P, as the kernel's admission ledger counts it ({@code to_ratio}, rounded down). */
    public CpuBandwidth bandwidth() { return CpuBandwidth.ofRuntime(runtimeNs, periodNs); }

    /**
     * Density Q/min(D,P), the share EDF needs for a constrained deadline, rounded up (a guarantee test must not
     * round in its favour); Q/D for every valid reservation (D &lt;= P).
     */
    public CpuBandwidth density() { return CpuBandwidth.ofDensity(runtimeNs, Math.min(deadlineNs, periodNs)); }

    /**
     * Checks the kernel's parameter rules (see {@code __checkparam_dl} in kernel/sched/deadline.c) and throws an
     * {@link InvalidInputException} naming the first broken one and its fix.
     *
     * @param field prefix for error messages (e.g. {@code --runtime} or {@code vms[0].vcpu})
     */
    public Reservation validate(String field, KernelLimits limits) {
        if (runtimeNs <= 0) throw new InvalidInputException(field + " runtime", "must be positive, got " + Durations.format(runtimeNs), "give a runtime of at least 1024ns, e.g. 500us");
        if (deadlineNs <= 0) throw new InvalidInputException(field + " deadline", "must be positive, got " + Durations.format(deadlineNs), "omit it to use the period, or give a positive duration");
        if (periodNs <= 0) throw new InvalidInputException(field + " period", "must be positive, got " + Durations.format(periodNs), "give a period such as 10ms");
        if (runtimeNs < MIN_RUNTIME_NS) throw new InvalidInputException(field + " runtime", Durations.format(runtimeNs) + " is below the kernel's minimum of 1024ns", "give a runtime of at least 1024ns (about 1us)");
        if (runtimeNs > deadlineNs) throw new InvalidInputException(field + " runtime", Durations.format(runtimeNs) + " is longer than the deadline " + Durations.format(deadlineNs), "make runtime <= deadline <= period");
        if (deadlineNs > periodNs) throw new InvalidInputException(field + " deadline", Durations.format(deadlineNs) + " is longer than the period " + Durations.format(periodNs), "make runtime <= deadline <= period");
        if (periodNs < limits.periodMinNs()) throw new InvalidInputException(field + " period", Durations.format(periodNs) + " is below the kernel's minimum " + Durations.format(limits.periodMinNs()) + " (/proc/sys/kernel/sched_deadline_period_min_us)", "use a period of at least " + Durations.format(limits.periodMinNs()));
        if (periodNs > limits.periodMaxNs()) throw new InvalidInputException(field + " period", Durations.format(periodNs) + " is above the kernel's maximum " + Durations.format(limits.periodMaxNs()) + " (/proc/sys/kernel/sched_deadline_period_max_us)", "use a period of at most " + Durations.format(limits.periodMaxNs()));
        if ((deadlineNs & (1L << 63)) != 0 || (periodNs & (1L << 63)) != 0) throw new InvalidInputException(field, "values too large", "use a period below 2^63 ns");
        return this;
    }

    /** {@code 2ms/10ms}, or {@code 1ms/5ms/10ms} when the deadline is constrained. */
    @Override
    public String toString() {
        if (deadlineNs == periodNs) return Durations.format(runtimeNs) + "/" + Durations.format(periodNs);
        return Durations.format(runtimeNs) + "/" + Durations.format(deadlineNs) + "/" + Durations.format(periodNs);
    }
}
