package io.vmqos.host.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.vmqos.core.CostModel;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.host.config.YamlTree.Entry;
import io.vmqos.host.config.YamlTree.MapNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cost model file that {@code vmqos calibrate} writes and {@code vmqos plan|apply -f} reads:
 *
 * <pre>{@code
 * stages:
 *   napi: {perPacketNs: 900.0, perByteNs: 0.12, r2: 0.98}   # CPU ns per packet + per byte; r2 optional
 *   io:   {perPacketNs: 2500.0, perByteNs: 0.3}
 *   vcpu: {perPacketNs: 4000.0, perByteNs: 0.5}
 * measured:                                                  # optional, free-form
 *   host: lab1
 *   kernel: 6.18.0
 *   idleNs: {io: 8.0e6, vcpu: 2.0e7}                         # optional: each stage's background load, CPU ns/s
 * }</pre>
 *
 * At least one stage. Reading is as strict as the host configuration (errors name {@code file:line:column}).
 * Stateless and thread-safe.
 */
public final class CostModelFile {
    static final List<String> TOP_KEYS = List.of("stages", "measured");
    static final List<String> COST_KEYS = List.of("perPacketNs", "perByteNs", "r2");

    private CostModelFile() {}

    /**
     * Reads a cost model file.
     *
     * @throws ConfigException naming the place and the fix for a missing file, bad YAML, unknown keys or
     *     impossible costs
     */
    /** The cost model a host configuration names ({@code costModel:}), read; empty when it names none. */
    public static java.util.Optional<io.vmqos.core.CostModel> modelOf(io.vmqos.core.config.HostConfig cfg) {
        return cfg.costModelPath().map(p -> read(Path.of(p)).model());
    }

    /**
     * The VMs' own cost models ({@code vms[].costModel}) that exist now, read, by VM name; a VM whose file does not exist
     * yet is absent (sized with the host's).
     *
     * @throws ConfigException for a file that exists but is not a valid cost model
     */
    public static java.util.Map<String, io.vmqos.core.CostModel> vmModels(io.vmqos.core.config.HostConfig cfg) {
        java.util.Map<String, io.vmqos.core.CostModel> out = new java.util.TreeMap<>();
        for (io.vmqos.core.config.VmConfig vm : cfg.vms()) {
            vm.costModelPath().map(Path::of).filter(java.nio.file.Files::isRegularFile).ifPresent(p -> out.put(vm.name(), read(p).model()));
        }
        return out;
    }

    public static CostModelDocument read(Path file) {
        Located in = new Located(file.toString());
        MapNode top = in.map(YamlTree.read(file, file.toString()), "", TOP_KEYS);
        Entry stagesE = in.req(top, "", "stages", "{vcpu: {perPacketNs: 4000, perByteNs: 0.5}}");
        MapNode stages = in.map(stagesE.value(), "stages", HostConfigParser.STAGE_KEYS);
        if (stages.entries().isEmpty()) throw in.error(stages, "stages", "has no stage", "give the cost of at least one of napi, io, vcpu (vmqos calibrate measures them)");
        Map<StageKind, StageCost> costs = new EnumMap<>(StageKind.class);
        Map<StageKind, Double> r2 = new EnumMap<>(StageKind.class);
        for (Entry e : stages.entries().values()) {
            String p = "stages." + e.key();
            MapNode c = in.map(e.value(), p, COST_KEYS);
            double perPacket = in.number(in.req(c, p, "perPacketNs", "4000").value(), p + ".perPacketNs", "4000");
            double perByte = in.number(in.req(c, p, "perByteNs", "0.5").value(), p + ".perByteNs", "0.5");
            StageKind kind = StageKind.valueOf(e.key().toUpperCase(Locale.ROOT));
            costs.put(kind, in.at(c, p, () -> new StageCost(perPacket, perByte)));
            in.opt(c, "r2").ifPresent(r -> {
                double v = in.number(r.value(), p + ".r2", "0.98");
                if (!(v >= 0 && v <= 1)) throw in.error(r.value(), p + ".r2", v + " is not a coefficient of determination", "give a value in 0..1");
                r2.put(kind, v);
            });
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        in.opt(top, "measured").ifPresent(m -> {
            MapNode mm = in.map(m.value(), "measured", m.value() instanceof MapNode x ? List.copyOf(x.entries().keySet()) : List.of());
            for (Entry e : mm.entries().values()) metadata.put(e.key(), YamlTree.plain(e.value()));
        });
        // the calibration's idle intercepts (measured.idleNs) are each stage's background load
        if (metadata.get("idleNs") instanceof Map<?, ?> idle) {
            for (Map.Entry<?, ?> e : idle.entrySet()) {
                for (StageKind k : costs.keySet()) {
                    if (k.name().equalsIgnoreCase(String.valueOf(e.getKey())) && e.getValue() instanceof Number n && n.doubleValue() > 0) {
                        costs.put(k, costs.get(k).withBackground(Math.min(n.doubleValue(), StageCost.MAX_BACKGROUND_NS_PER_SECOND)));
                    }
                }
            }
        }
        return new CostModelDocument(new CostModel(costs), r2, metadata);
    }

    /**
     * Writes {@code doc} to {@code file} (atomically: a temporary file in the same directory, then a rename), in the
     * format {@link #read} takes back unchanged: a stage's background load is written as {@code measured.idleNs}
     * unless the metadata gives that already.
     *
     * @throws UncheckedIOException when the file cannot be written
     */
    public static void write(Path file, CostModelDocument doc) {
        Map<String, Object> top = new LinkedHashMap<>();
        Map<String, Object> stages = new LinkedHashMap<>();
        for (Map.Entry<StageKind, StageCost> e : doc.model().stages().entrySet()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("perPacketNs", e.getValue().perPacketNs());
            c.put("perByteNs", e.getValue().perByteNs());
            Double r = doc.r2().get(e.getKey());
            if (r != null) c.put("r2", r);
            stages.put(e.getKey().name().toLowerCase(Locale.ROOT), c);
        }
        top.put("stages", stages);
        Map<String, Object> measured = new LinkedHashMap<>(doc.metadata());
        if (!measured.containsKey("idleNs")) { // each stage's background load, as read takes it back
            Map<String, Object> idle = new LinkedHashMap<>();
            doc.model().stages().forEach((k, c) -> {
                if (c.backgroundNsPerSecond() > 0) idle.put(k.name().toLowerCase(Locale.ROOT), c.backgroundNsPerSecond());
            });
            if (!idle.isEmpty()) measured.put("idleNs", idle);
        }
        if (!measured.isEmpty()) top.put("measured", measured);
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
        Path abs = file.toAbsolutePath();
        try {
            Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
            try {
                Files.writeString(tmp, "# vmqos cost model: CPU ns per packet + per byte of each pipeline stage\n" + yaml.writeValueAsString(top));
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the cost model " + file + ": " + e.getMessage(), e);
        }
    }

    /** Convenience for writers: the document of a model with fit quality and metadata. */
    public static void write(Path file, CostModel model, Map<StageKind, Double> r2, Map<String, Object> metadata) {
        write(file, new CostModelDocument(model, r2, metadata));
    }
}
