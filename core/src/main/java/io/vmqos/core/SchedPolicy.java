package io.vmqos.core;

/** Linux scheduling policies with their kernel numbers ({@code include/uapi/linux/sched.h}). */
public enum SchedPolicy {
    OTHER(0), FIFO(1), RR(2), BATCH(3), IDLE(5), DEADLINE(6), EXT(7);

    private final int kernelValue;

    SchedPolicy(int kernelValue) { this.kernelValue = kernelValue; }

    /** The value of {@code sched_attr.sched_policy}. */
    public int kernelValue() { return kernelValue; }

    /** True for FIFO and RR, which take a real-time priority 1..99. */
    public boolean isRealTime() { return this == FIFO || this == RR; }

    /** True for OTHER, BATCH and IDLE, which take a nice value. */
    public boolean isFair() { return this == OTHER || this == BATCH || this == IDLE || this == EXT; }

    /** The policy for a kernel value; throws {@link IllegalArgumentException} for an unknown one. */
    public static SchedPolicy ofKernel(int value) {
        for (SchedPolicy p : values()) if (p.kernelValue == value) return p;
        throw new IllegalArgumentException("unknown scheduling policy " + value);
    }
}
