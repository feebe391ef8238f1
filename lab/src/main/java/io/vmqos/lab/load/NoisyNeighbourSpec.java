package io.vmqos.lab.load;

import io.vmqos.core.InvalidInputException;

import java.util.List;

/**
 * What {@link NoisyNeighbour} starts.
 *
 * @param workers CPU-bound processes to run, ≥ 1
 * @param cpus CPUs the workers may run on (their affinity mask, shared by all); empty = no pinning
 * @param kind {@link NoisyNeighbour.Kind#STRESS_NG} or {@link NoisyNeighbour.Kind#SHELL_LOOP}; null = stress-ng when
 *     installed, else the shell loop
 * @param cpuMethod stress-ng {@code --cpu-method} (ignored by the shell loop)
 * @param maxLifetimeNanos the workers end on their own after this long even if this JVM dies without closing them
 */
public record NoisyNeighbourSpec(int workers, List<Integer> cpus, NoisyNeighbour.Kind kind, String cpuMethod,
                                 long maxLifetimeNanos) {
    public static final String DEFAULT_CPU_METHOD = "matrixprod";
    public static final long DEFAULT_MAX_LIFETIME_NANOS = 3_600_000_000_000L;

    public NoisyNeighbourSpec {
        if (workers < 1 || workers > 1024) {
            throw new InvalidInputException("--noisy-workers", workers + " is out of range", "give 1..1024 workers");
        }
        cpus = List.copyOf(cpus);
        for (int cpu : cpus) {
            if (cpu < 0) throw new InvalidInputException("--noisy-cpus", "CPU " + cpu + " is negative", "give CPU numbers >= 0");
        }
        if (cpuMethod == null || !cpuMethod.matches("[a-z0-9]+")) {
            throw new InvalidInputException("--noisy-method", "'" + cpuMethod + "' is not a stress-ng cpu method",
                    "give e.g. matrixprod, int64 or loop");
        }
        if (maxLifetimeNanos < 1_000_000_000L) {
            throw new InvalidInputException("--noisy-lifetime", "must be at least 1s", "give e.g. 1h");
        }
    }

    /** {@code workers} unpinned workers of the best available kind, ending after at most an hour. */
    public static NoisyNeighbourSpec of(int workers) {
        return new NoisyNeighbourSpec(workers, List.of(), null, DEFAULT_CPU_METHOD, DEFAULT_MAX_LIFETIME_NANOS);
    }

    public NoisyNeighbourSpec pinnedTo(List<Integer> cpuList) {
        return new NoisyNeighbourSpec(workers, cpuList, kind, cpuMethod, maxLifetimeNanos);
    }

    public NoisyNeighbourSpec withKind(NoisyNeighbour.Kind k) {
        return new NoisyNeighbourSpec(workers, cpus, k, cpuMethod, maxLifetimeNanos);
    }
}
