package io.vmqos.core.net;

import io.vmqos.core.InvalidInputException;

import java.util.Optional;

/**
 * One VM's link share: guaranteed {@code rate}, upper bound {@code ceil} (bits per second), and the {@code burst}
 * (bytes) its class may send at line speed after idling; also used as HTB's {@code cburst}. {@code leafQdisc}
 * (e.g. {@code fq_codel}) replaces HTB's default pfifo leaf, for flow fairness and short queues inside one VM's
 * share; empty keeps the pfifo (the only choice on kernels without sch_fq_codel, as on the dev machine). Units are
 * as tc reads them ({@code 100mbit} = 10^8 bit/s, {@code 15k} = 15 × 1024 bytes; parsed by the linux adapter's
 * {@code NetUnits}). Immutable.
 */
public record ShapingSpec(long rateBits, long ceilBits, long burstBytes, Optional<String> leafQdisc) {
    /** A burst below one full-size frame would stall HTB's token bucket. */
    public static final long MIN_BURST_BYTES = 1600;

    public ShapingSpec {
        if (rateBits <= 0) throw new InvalidInputException("rate", "must be positive", "give e.g. 100mbit");
        if (ceilBits < rateBits) throw new InvalidInputException("ceil", formatRate(ceilBits) + " is below the rate "
                + formatRate(rateBits), "make ceil >= rate (or equal for a hard limit)");
        if (burstBytes < MIN_BURST_BYTES) throw new InvalidInputException("burst", burstBytes + " bytes is below one frame",
                "give at least 1600b; 15k suits up to about 1gbit at HZ=1000");
        leafQdisc = leafQdisc == null ? Optional.empty() : leafQdisc;
    }

    /** Same share with a leaf qdisc under the VM's class. */
    public ShapingSpec withLeaf(String qdisc) { return new ShapingSpec(rateBits, ceilBits, burstBytes, Optional.of(qdisc)); }

    /** Bits per second in the largest SI unit that keeps it exact, as tc writes it: 100000000 → {@code 100mbit}. */
    public static String formatRate(long bitsPerSecond) {
        String[] units = {"bit", "kbit", "mbit", "gbit", "tbit"};
        long v = bitsPerSecond;
        int i = 0;
        while (i < units.length - 1 && v != 0 && v % 1000 == 0) {
            v /= 1000;
            i++;
        }
        return v + units[i];
    }
}
