package io.vmqos.lab.calibrate;

import io.vmqos.core.InvalidInputException;

import java.util.List;

/**
 * What {@code vmqos calibrate} measures. Validated on construction; every error names the CLI option.
 *
 * @param rates (duplicates dropped) paced UDP echo request rates, requests/s, each {@code > 0}; at least 2 distinct (a line through
 *     one rate is undetermined)
 * @param sizes (duplicates dropped) UDP payload bytes per request, each 16..1400; at least 2 distinct (with one size, bytes/s moves
 *     in lock-step with packets/s and the per-byte cost cannot be told from the per-packet cost)
 * @param durationNs length of each measured point, {@code >= 1 s}
 * @param repeat how many times the whole grid of rates × sizes is measured, 1..20
 * @param minR2 smallest acceptable R² of every stage's fit, 0..1
 * @param vmCpus the guest's vCPUs, 1..8
 * @param clientPriority SCHED_FIFO priority of the load client (it stands in for a remote client), 1..99
 */
public record CalibrationOptions(List<Long> rates, List<Integer> sizes, long durationNs, int repeat, double minR2,
                                 int vmCpus, int clientPriority) {
    public static final List<Long> DEFAULT_RATES = List.of(250L, 500L, 1000L, 2000L);
    public static final List<Integer> DEFAULT_SIZES = List.of(64, 1024);
    public static final long DEFAULT_DURATION_NS = 5_000_000_000L;
    public static final double DEFAULT_MIN_R2 = 0.9;
    public static final int MIN_SIZE = 16, MAX_SIZE = 1400;
    public static final long MAX_RATE = 100_000;

    public CalibrationOptions {
        rates = rates.stream().distinct().toList(); // duplicates would only weigh a point twice
        sizes = sizes.stream().distinct().toList();
        for (long r : rates) {
            if (r <= 0 || r > MAX_RATE) throw new InvalidInputException("--rates", r + " is outside 1.." + MAX_RATE + " requests/s", "give e.g. --rates 250,500,1000,2000");
        }
        if (rates.size() < 2) {
            throw new InvalidInputException("--rates", "needs at least 2 distinct rates, got " + rates, "give e.g. --rates 250,500,1000,2000");
        }
        for (int s : sizes) {
            if (s < MIN_SIZE || s > MAX_SIZE) throw new InvalidInputException("--sizes", s + " is outside " + MIN_SIZE + ".." + MAX_SIZE + " bytes", "give e.g. --sizes 64,1024");
        }
        if (sizes.size() < 2) {
            throw new InvalidInputException("--sizes", "needs at least 2 distinct sizes to separate per-packet from per-byte cost, got " + sizes,
                    "give e.g. --sizes 64,1024");
        }
        if (durationNs < 1_000_000_000L) throw new InvalidInputException("--duration", "is shorter than 1s", "give at least 1s, e.g. --duration 5s");
        if (durationNs > 600_000_000_000L) throw new InvalidInputException("--duration", "is longer than 10min", "give e.g. --duration 5s");
        if (repeat < 1 || repeat > 20) throw new InvalidInputException("--repeat", repeat + " is outside 1..20", "give e.g. --repeat 2");
        if (!(minR2 >= 0 && minR2 <= 1)) throw new InvalidInputException("--min-r2", minR2 + " is outside 0..1", "give e.g. --min-r2 0.9");
        if (vmCpus < 1 || vmCpus > 8) throw new InvalidInputException("--vm-cpus", vmCpus + " is outside 1..8", "give 1 or 2");
        if (clientPriority < 1 || clientPriority > 99) throw new InvalidInputException("--client-priority", clientPriority + " is outside 1..99", "give e.g. 20");
    }

    /** The defaults: rates 250,500,1000,2000 req/s, sizes 64,1024 B, 5 s per point, once, R² ≥ 0.9, 1 vCPU. */
    public static CalibrationOptions defaults() {
        return new CalibrationOptions(DEFAULT_RATES, DEFAULT_SIZES, DEFAULT_DURATION_NS, 1, DEFAULT_MIN_R2, 1, 20);
    }

    /** Measured points in total ({@code rates × sizes × repeat}). */
    public int points() { return rates.size() * sizes.size() * repeat; }
}
