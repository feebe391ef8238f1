package io.vmqos.core;

import java.util.EnumSet;
import java.util.Set;

/** The {@code sched_attr.sched_flags} bits vmqos uses. */
public enum SchedFlag {
    /** Children start as SCHED_OTHER; vmqos always sets it for DEADLINE so reserved threads can fork. */
    RESET_ON_FORK(0x01),
    /** GRUB: a DEADLINE thread may reclaim bandwidth left unused by others. */
    RECLAIM(0x02),
    /** Deliver SIGXCPU when the thread overruns its runtime. */
    DL_OVERRUN(0x04);

    private final long bit;

    SchedFlag(long bit) { this.bit = bit; }

    public long bit() { return bit; }

    /** Folds a set of flags into the kernel bit mask. */
    public static long mask(Set<SchedFlag> flags) {
        long m = 0;
        for (SchedFlag f : flags) m |= f.bit;
        return m;
    }

    /** Unfolds a kernel bit mask; bits vmqos does not know are dropped. */
    public static Set<SchedFlag> of(long mask) {
        EnumSet<SchedFlag> s = EnumSet.noneOf(SchedFlag.class);
        for (SchedFlag f : values()) if ((mask & f.bit) != 0) s.add(f);
        return s;
    }
}
