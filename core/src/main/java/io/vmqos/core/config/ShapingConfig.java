package io.vmqos.core.config;

import io.vmqos.core.InvalidInputException;

/**
 * A VM's link share for the network layer's tc shaping (HTB class): guaranteed {@code rate}, upper bound
 * {@code ceil}, both in bits per second, and {@code burst} in bytes. Units were parsed as tc reads them
 * ({@code 100mbit} = 10^8 bit/s, {@code 15k} = 15 × 1024 bytes). Immutable.
 */
public record ShapingConfig(long rateBits, long ceilBits, long burstBytes) {
    /** A burst below one full-size frame would stall HTB's token bucket (as the net layer's ShapingSpec). */
    public static final long MIN_BURST_BYTES = 1600;

    public ShapingConfig {
        if (rateBits <= 0) throw new InvalidInputException("shaping.rate", "must be positive", "give e.g. 100mbit");
        if (ceilBits < rateBits) throw new InvalidInputException("shaping.ceil", ceilBits + " bit/s is below the rate " + rateBits + " bit/s", "make ceil >= rate (equal for a hard limit)");
        if (burstBytes < MIN_BURST_BYTES) throw new InvalidInputException("shaping.burst", burstBytes + " bytes is below one frame", "give at least 1600b; 15k suits up to about 1gbit");
    }
}
