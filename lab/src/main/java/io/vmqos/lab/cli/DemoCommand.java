package io.vmqos.lab.cli;

import io.vmqos.cli.CliNumbers;
import io.vmqos.cli.CommandFailedException;
import io.vmqos.cli.Json;
import io.vmqos.cli.Main;
import io.vmqos.core.Durations;
import io.vmqos.core.Reservation;
import io.vmqos.host.config.CostModelFile;
import io.vmqos.lab.report.ScenarioSummary;
import io.vmqos.lab.demo.DemoAbortedException;
import io.vmqos.lab.demo.DemoOptions;
import io.vmqos.lab.demo.DemoResult;
import io.vmqos.lab.demo.DemoRunner;
import io.vmqos.lab.demo.Scenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code vmqos demo}: a real VM's network latency under a noisy neighbour, without and with reservations. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Boot a small real VM, add a noisy neighbour, and measure its UDP echo latency in the scenarios "
                + "isolated, noisy, noisy+vmqos (SCHED_DEADLINE reservations) and noisy+fifo (SCHED_FIFO vCPUs), interleaved over rounds.",
                "Needs root. Installs missing Debian packages with apt-get. Cleans up the VM, namespaces, noise and reservations on every exit."})
public final class DemoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--duration", defaultValue = "10s", description = "Length of each load run (default: ${DEFAULT-VALUE}).") String duration;
    @Option(names = "--rate", defaultValue = "1000", description = "UDP requests per second (default: ${DEFAULT-VALUE}).") String rate;
    @Option(names = "--size", defaultValue = "64", description = "Request size in bytes (default: ${DEFAULT-VALUE}).") String size;
    @Option(names = "--rounds", defaultValue = "3", description = "Rounds; each runs every scenario once (default: ${DEFAULT-VALUE}).") String rounds;
    @Option(names = "--noise", defaultValue = "4", description = "CPU-bound noisy-neighbour workers (default: ${DEFAULT-VALUE}).") String noise;
    @Option(names = "--scenarios", defaultValue = "isolated,noisy,noisy+vmqos,noisy+vmqos-lean,dedicated-core,noisy+fifo", description = "Scenarios to run (default: ${DEFAULT-VALUE}).") String scenarios;
    @Option(names = "--vcpu", paramLabel = "Q/P", description = "Reservation of each vCPU thread (default: sized from measured use).") String vcpu;
    @Option(names = "--io", paramLabel = "Q/P", description = "Reservation of the main loop/iothreads/vhost (default: sized from measured use).") String ioReservation;
    @Option(names = "--vm-cpus", defaultValue = "1", description = "Guest vCPUs (default: ${DEFAULT-VALUE}).") String vmCpus;
    @Option(names = "--cost-model", paramLabel = "FILE", description = "A calibrated cost model (vmqos calibrate): size noisy+vmqos for --latency with it.") Path costModel;
    @Option(names = "--latency", defaultValue = "20ms", description = "Round-trip bound asked of the sizing with --cost-model, and of noisy+vmqos-lean's floors (default: ${DEFAULT-VALUE}).") String latency;
    @Option(names = "--report", paramLabel = "DIR", description = "Report directory (default: reports/demo-TIMESTAMP).") Path report;
    @Option(names = "--flood", description = "Also run noisy+flood and noisy+flood+vmqos: a second VM flooded with bulk UDP over the shared uplink, "
            + "without and with its NAPI threads reserved for both VMs' SLAs and per-VM tc shaping (boots a second VM; adds a "
            + "'bulk Mbit/s' column: the protected VM's throughput under the flood).") boolean flood;
    @Option(names = "--json", description = "Print the summary as JSON.") boolean json;

    @Override
    public Integer call() throws Exception {
        Path dir = report != null ? report
                : Path.of("reports", "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        var costDoc = costModel == null ? null : CostModelFile.read(costModel);
        DemoOptions options = new DemoOptions(Durations.parseNanos("--duration", duration), CliNumbers.whole("--rate", rate, "1000"),
                (int) CliNumbers.whole("--size", size, "64"), (int) CliNumbers.whole("--rounds", rounds, "3"), (int) CliNumbers.whole("--noise", noise, "4"), dir,
                withFlood(Scenario.parseList("--scenarios", scenarios)),
                vcpu == null ? null : Reservation.parse("--vcpu", vcpu), ioReservation == null ? null : Reservation.parse("--io", ioReservation),
                (int) CliNumbers.whole("--vm-cpus", vmCpus, "1"), 10, 20,
                costDoc == null ? null : costDoc.model(),
                Durations.parseNanos("--latency", latency));
        if (!io.vmqos.lab.Packages.isRoot()) {
            throw new CommandFailedException(Main.REFUSED, "the demo needs root (it boots a VM, creates network namespaces and "
                    + "sets SCHED_DEADLINE): run it as root, e.g. sudo ./vmqos demo");
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        DemoResult r;
        try {
            r = new DemoRunner(options, s -> {
                err.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, s);
                err.flush();
            }).run();
        } catch (DemoAbortedException e) {
            throw new CommandFailedException(Main.REFUSED, "demo aborted, everything cleaned up: " + e.getMessage());
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("accel", r.accel());
            m.put("bootMillis", r.bootMillis());
            m.put("vcpuReservation", r.vcpu().toString());
            m.put("ioReservation", r.io().toString());
            m.put("report", r.files().indexHtml().toString());
            m.put("guaranteedRoundTripNs", r.bound().roundTripNs() == Long.MAX_VALUE ? null : r.bound().roundTripNs());
            m.put("boundModel", r.bound().model());
            m.put("summaries", r.scenarios().stream().map(ScenarioSummary::of).toList());
            Json.print(out, m);
        } else {
            out.println();
            out.println("UDP echo latency of the VM (" + options.rate() + " req/s, " + options.sizeBytes() + " B, "
                    + Durations.format(options.durationNs()) + " per run, median over " + options.rounds() + " rounds; guest under "
                    + r.accel() + "; noise: " + options.noiseWorkers() + " CPU hogs on " + Runtime.getRuntime().availableProcessors() + " CPUs)");
            out.println("noisy+vmqos: vCPU " + r.vcpu() + ", main loop/io " + r.io() + "; noisy+fifo: vCPUs SCHED_FIFO " + options.fifoPriority());
            out.println(r.table());
            out.println("bound: the round-trip latency vmqos guarantees through the reserved threads (network calculus over the "
                    + "reservations and " + (costModel != null ? "the calibrated cost model " + costModel : "a cost model measured in the warm-up") + "): "
                    + (r.bound().roundTripNs() == Long.MAX_VALUE ? "none" : Durations.format(r.bound().roundTripNs() / 1000 * 1000))
                    + "; noisy+vmqos-lean's bound is over its floors and the live calibration's per-packet costs; 'held' = the scenario's median p99.9"
                    + " stayed within its bound (and its max too, unless '@p99.9')");
            out.println("report: " + r.files().indexHtml().toAbsolutePath());
        }
        out.flush();
        return Main.DONE;
    }

    private java.util.List<Scenario> withFlood(java.util.List<Scenario> list) {
        if (!flood) return list;
        java.util.List<Scenario> out = new java.util.ArrayList<>(list);
        for (Scenario s : java.util.List.of(Scenario.NOISY_FLOOD, Scenario.NOISY_FLOOD_VMQOS)) if (!out.contains(s)) out.add(s);
        return out;
    }
}
