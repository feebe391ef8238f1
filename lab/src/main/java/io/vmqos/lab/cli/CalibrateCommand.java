package io.vmqos.lab.cli;

import io.vmqos.cli.CliNumbers;
import io.vmqos.cli.CommandFailedException;
import io.vmqos.cli.Json;
import io.vmqos.cli.Main;
import io.vmqos.analysis.StageCostFit;
import io.vmqos.core.Durations;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.StageKind;
import io.vmqos.lab.calibrate.CalibrationException;
import io.vmqos.lab.calibrate.CalibrationOptions;
import io.vmqos.lab.calibrate.CalibrationResult;
import io.vmqos.lab.calibrate.Calibrator;
import io.vmqos.lab.calibrate.CostModelWriter;
import io.vmqos.lab.calibrate.PointMeasurement;
import io.vmqos.lab.calibrate.PoorFitException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** {@code vmqos calibrate}: measure each packet-path stage's CPU cost per packet and per byte; write a cost model. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Boot the lab VM, drive its UDP echo at several rates and packet sizes, measure the CPU time of each stage's "
                + "threads (napi: host NAPI threads; io: QEMU main loop, iothreads, vhost; vcpu: vCPU threads) and fit "
                + "CPU-ns/s = idle + perPacketNs x packets/s + perByteNs x bytes/s per stage. Each echo request and each reply is one packet.",
                "Refuses (exit 1, no file) a fit with R² below --min-r2 unless --force. Needs root; cleans up the VM and namespaces on every exit."})
public final class CalibrateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--rates", defaultValue = "250,500,1000,2000", description = "Echo request rates, req/s (default: ${DEFAULT-VALUE}).") String rates;
    @Option(names = "--sizes", defaultValue = "64,1024", description = "UDP payload sizes, bytes, 16..1400 (default: ${DEFAULT-VALUE}).") String sizes;
    @Option(names = "--duration", defaultValue = "5s", description = "Length of each point, at least 1s (default: ${DEFAULT-VALUE}).") String duration;
    @Option(names = "--repeat", defaultValue = "1", description = "Times the whole grid is measured (default: ${DEFAULT-VALUE}).") String repeat;
    @Option(names = "--min-r2", defaultValue = "0.9", description = "Smallest acceptable R² of each stage's fit (default: ${DEFAULT-VALUE}).") String minR2;
    @Option(names = "--force", description = "Write the file even when the fit is poor.") boolean force;
    @Option(names = {"-o", "--output"}, defaultValue = "costs.yaml", paramLabel = "FILE", description = "Cost-model file to write (default: ${DEFAULT-VALUE}).") Path output;
    @Option(names = "--vm-cpus", defaultValue = "1", description = "Guest vCPUs (default: ${DEFAULT-VALUE}).") String vmCpus;
    @Option(names = "--json", description = "Print the result as JSON.") boolean json;

    @Override
    public Integer call() throws Exception {
        CalibrationOptions options = new CalibrationOptions(list("--rates", rates, Long::parseLong), list("--sizes", sizes, Integer::parseInt),
                Durations.parseNanos("--duration", duration), (int) CliNumbers.whole("--repeat", repeat, "2"), CliNumbers.real("--min-r2", minR2, "0.9"),
                (int) CliNumbers.whole("--vm-cpus", vmCpus, "1"), 20);
        if (!io.vmqos.lab.Packages.isRoot()) {
            throw new CommandFailedException(Main.REFUSED, "calibration needs root (it boots a VM and creates network namespaces): "
                    + "run it as root, e.g. sudo ./vmqos calibrate");
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        err.printf("calibrating %d points (%s req/s x %s B x %d, %s each): about %ds%n", options.points(), options.rates(), options.sizes(),
                options.repeat(), Durations.format(options.durationNs()), options.points() * (options.durationNs() / 1_000_000_000L + 2) + 30);
        CalibrationResult r;
        try {
            r = new Calibrator(options, s -> {
                err.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, s);
                err.flush();
            }).run();
        } catch (CalibrationException e) {
            throw new CommandFailedException(Main.REFUSED, "calibration failed, everything cleaned up: " + e.getMessage());
        }
        List<String> problems = r.problems(options.minR2());
        boolean write = problems.isEmpty() || force;
        Path written = write ? CostModelWriter.write(output, r) : null;
        if (json) {
            Json.print(out, jsonOf(r, problems, written));
        } else {
            out.println();
            out.println("CPU cost per stage (" + r.accel() + " guest, host kernel " + r.hostKernel() + "; " + r.points().size() + " points of "
                    + Durations.format(options.durationNs()) + "; a packet = one echo request or one reply; bytes = L2 frame)");
            out.println(table(r));
            if (written != null) out.println("wrote " + written);
        }
        out.flush();
        if (!problems.isEmpty()) {
            if (!force) throw new CommandFailedException(Main.REFUSED, new PoorFitException(problems).getMessage() + ". Nothing written.");
            err.println("vmqos calibrate: warning, the fit is poor, written anyway (--force): " + String.join("; ", problems));
        }
        return Main.DONE;
    }

    static String table(CalibrationResult r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-6s %14s %12s %12s %7s %12s %12s%n", "stage", "perPacket", "perByte", "idle", "R²", "RMS resid", "max resid"));
        for (Map.Entry<StageKind, StageCostFit> e : r.fits().entrySet()) {
            StageCostFit f = e.getValue();
            b.append(String.format(Locale.ROOT, "%-6s %11.1f ns %7.3f ns/B%s %10.2f%% %7.3f %11.3f%% %11.3f%%%n",
                    e.getKey().name().toLowerCase(Locale.ROOT), f.perPacketNs(), f.perByteNs(), f.perByteClamped() ? "*" : " ",
                    f.idleNsPerSecond() / 1e7, f.r2(), f.rmsResidualNsPerSecond() / 1e7, f.maxAbsResidualNsPerSecond() / 1e7));
        }
        b.append("idle and residuals in % of one CPU");
        if (r.fits().values().stream().anyMatch(StageCostFit::perByteClamped)) b.append("; * per-byte cost came out negative, clamped to 0 and refitted");
        return b.toString();
    }

    private static Map<String, Object> jsonOf(CalibrationResult r, List<String> problems, Path written) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", written == null ? null : written.toString());
        m.put("accel", r.accel());
        m.put("kernel", r.hostKernel());
        m.put("date", r.date().toString());
        Map<String, Object> stages = new LinkedHashMap<>();
        for (Map.Entry<StageKind, StageCostFit> e : r.fits().entrySet()) stages.put(e.getKey().name().toLowerCase(Locale.ROOT), e.getValue());
        m.put("stages", stages);
        List<Map<String, Object>> points = new ArrayList<>();
        for (PointMeasurement p : r.points()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("rate", p.point().rate());
            pm.put("sizeBytes", p.point().sizeBytes());
            pm.put("round", p.point().round());
            pm.put("wallNs", p.wallNs());
            pm.put("requests", p.requests());
            pm.put("replies", p.replies());
            pm.put("packetsPerSecond", p.packetsPerSecond());
            pm.put("bytesPerSecond", p.bytesPerSecond());
            Map<String, Object> cpu = new LinkedHashMap<>();
            for (StageKind k : StageKind.values()) cpu.put(k.name().toLowerCase(Locale.ROOT), p.cpuNsPerSecond(k));
            pm.put("cpuNsPerSecond", cpu);
            points.add(pm);
        }
        m.put("points", points);
        m.put("problems", problems);
        return m;
    }

    private static <T> List<T> list(String field, String text, Function<String, T> parse) {
        List<T> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String s = part.strip();
            if (s.isEmpty()) continue;
            try {
                out.add(parse.apply(s));
            } catch (NumberFormatException e) {
                throw new InvalidInputException(field, "'" + s + "' is not a whole number", "give a comma-separated list, e.g. " + field + " 250,500,1000");
            }
        }
        if (out.isEmpty()) throw new InvalidInputException(field, "is empty", "give a comma-separated list, e.g. " + field + " 250,500,1000");
        return out;
    }
}
