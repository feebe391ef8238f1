package io.vmqos.lab.calibrate;

import io.vmqos.analysis.StageCostFit;
import io.vmqos.core.CostModel;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a {@link CalibrationResult} as the cost-model YAML file that the planner reads:
 * <pre>
 * stages:
 *   napi: {perPacketNs: 1234.5, perByteNs: 0.25, r2: 0.98}
 *   io:   {perPacketNs: ..., perByteNs: ..., r2: ...}
 *   vcpu: {perPacketNs: ..., perByteNs: ..., r2: ...}
 * measured: {date: ..., kernel: ..., accel: TCG, rates: [...], sizes: [...], durationS: 5, idleNs: {napi: .., io: .., vcpu: ..}}
 * </pre>
 * {@code stages} holds {@link CalibrationResult#costModel()} (a stage that costs nothing is left out);
 * {@code idleNs} is each stage's idle CPU ns per second (the fit's intercept). Numbers are plain decimals with 6
 * significant digits; strings are double-quoted. Pure text generation plus an atomic file write (temp file, then
 * rename). Stateless. (To be replaced by the shared {@code io.vmqos.host.config.CostModelFile} writer.)
 */
public final class CostModelWriter {
    private CostModelWriter() {}

    /** Writes {@link #toYaml} to {@code file} atomically (creating parent directories); returns the file. */
    public static Path write(Path file, CalibrationResult result) throws IOException {
        String yaml = toYaml(result);
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.writeString(tmp, yaml, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return abs;
    }

    /** The YAML text of {@code result}. */
    public static String toYaml(CalibrationResult result) {
        CostModel model = result.costModel();
        CalibrationOptions o = result.options();
        StringBuilder b = new StringBuilder(512);
        b.append("# vmqos cost model, measured by `vmqos calibrate`.\n");
        b.append("# perPacketNs: CPU ns per packet through the stage (each echo request and each reply is one packet);\n");
        b.append("# perByteNs: CPU ns per byte of the L2 frame (UDP payload + 42); idleNs: CPU ns per second at no load.\n");
        b.append("stages:\n");
        for (StageKind k : StageKind.values()) {
            StageCost c = model.stages().get(k);
            StageCostFit f = result.fits().get(k);
            if (c == null) {
                b.append("  # ").append(key(k)).append(": left out, its CPU use did not grow with the load\n");
                continue;
            }
            String name = key(k) + ":";
            b.append("  ").append(String.format(Locale.ROOT, "%-5s", name)).append(" {perPacketNs: ").append(num(c.perPacketNs()))
                    .append(", perByteNs: ").append(num(c.perByteNs())).append(", r2: ").append(num(f.r2())).append("}\n");
        }
        b.append("measured: {date: ").append(str(result.date().toString()))
                .append(", kernel: ").append(str(result.hostKernel()))
                .append(", accel: ").append(str(result.accel()))
                .append(", rates: ").append(list(o.rates()))
                .append(", sizes: ").append(list(o.sizes()))
                .append(", durationS: ").append(num(o.durationNs() / 1e9))
                .append(", repeat: ").append(o.repeat())
                .append(", idleNs: {");
        boolean first = true;
        for (Map.Entry<StageKind, StageCostFit> e : result.fits().entrySet()) {
            if (!first) b.append(", ");
            first = false;
            b.append(key(e.getKey())).append(": ").append(num(Math.max(0, e.getValue().idleNsPerSecond())));
        }
        b.append("}}\n");
        return b.toString();
    }

    static String key(StageKind k) { return k.name().toLowerCase(Locale.ROOT); }

    /** A plain decimal (no exponent, which YAML 1.1 readers may take for a string) with 6 significant digits. */
    static String num(double v) {
        if (!Double.isFinite(v)) return ".nan";
        if (v == 0) return "0";
        return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    private static String list(List<? extends Number> values) {
        return values.stream().map(Object::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String str(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
