package io.vmqos.lab.demo;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.Reservation;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code vmqos demo} runs. Validated on construction; every error names the CLI option.
 *
 * @param durationNs length of one load run
 * @param rate UDP requests per second
 * @param sizeBytes request size
 * @param rounds how many times each scenario runs; scenarios are interleaved round by round
 * @param noiseWorkers CPU-bound workers of the noisy neighbour
 * @param vcpu reservation for each vCPU thread, or null to size it from the VM's measured CPU use
 * @param io reservation for the main loop and iothreads (and vhost), or null to size it
 * @param vmCpus the guest's vCPUs
 * @param fifoPriority SCHED_FIFO priority of the vCPUs in the noisy+fifo scenario
 * @param clientPriority SCHED_FIFO priority of the load client in every scenario (it stands in for a remote client)
 * @param costModel calibrated per-stage costs (io and vcpu used); with it the reservations of noisy+vmqos are sized
 *     by the analysis layer for {@code latencyNs}; null to size them from the warm-up's measured CPU use
 * @param latencyNs the round-trip latency bound asked of the sizing (only with a cost model)
 */
public record DemoOptions(long durationNs, long rate, int sizeBytes, int rounds, int noiseWorkers, Path reportDir,
                          List<Scenario> scenarios, Reservation vcpu, Reservation io, int vmCpus, int fifoPriority,
                          int clientPriority, io.vmqos.core.CostModel costModel, long latencyNs) {
    public DemoOptions {
        if (durationNs < 1_000_000_000L) throw new InvalidInputException("--duration", "is shorter than 1s", "give at least 1s, e.g. 10s");
        if (rate <= 0 || rate > 100_000) throw new InvalidInputException("--rate", rate + " is outside 1..100000 requests/s", "give e.g. 1000");
        if (sizeBytes < 16 || sizeBytes > 1400) throw new InvalidInputException("--size", sizeBytes + " is outside 16..1400 bytes", "give e.g. 64");
        if (rounds < 1 || rounds > 50) throw new InvalidInputException("--rounds", rounds + " is outside 1..50", "give e.g. 3");
        if (noiseWorkers < 1 || noiseWorkers > 64) throw new InvalidInputException("--noise", noiseWorkers + " is outside 1..64 workers", "give e.g. 4");
        if (vmCpus < 1 || vmCpus > 8) throw new InvalidInputException("--vm-cpus", vmCpus + " is outside 1..8", "give 1 or 2");
        if (fifoPriority < 1 || fifoPriority > 98) throw new InvalidInputException("--fifo-priority", fifoPriority + " is outside 1..98", "give e.g. 10");
        if (clientPriority <= fifoPriority || clientPriority > 99) {
            throw new InvalidInputException("--client-priority", clientPriority + " must be above --fifo-priority and at most 99", "give e.g. 20");
        }
        if (costModel != null && latencyNs <= 0) throw new InvalidInputException("--latency", "must be positive", "give e.g. 20ms");
        scenarios = List.copyOf(scenarios);
        if (scenarios.isEmpty()) throw new InvalidInputException("--scenarios", "is empty", "name at least one scenario");
    }

    /** Without a cost model: noisy+vmqos is sized from the warm-up's measured CPU use. */
    public DemoOptions(long durationNs, long rate, int sizeBytes, int rounds, int noiseWorkers, Path reportDir,
                       List<Scenario> scenarios, Reservation vcpu, Reservation io, int vmCpus, int fifoPriority,
                       int clientPriority) {
        this(durationNs, rate, sizeBytes, rounds, noiseWorkers, reportDir, scenarios, vcpu, io, vmCpus, fifoPriority,
                clientPriority, null, 0);
    }
}
