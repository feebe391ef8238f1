package io.vmqos.host.config;

import io.vmqos.core.CostModel;
import io.vmqos.core.StageKind;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A cost model file's content: the model, how well each stage's linear fit explains the measurements, and free
 * metadata about the measurement (host, kernel, date, load...). Immutable.
 *
 * @param model the per-stage CPU costs
 * @param r2 coefficient of determination of each stage's fit, 0..1 (stages without one are absent)
 * @param metadata free-form {@code measured:} section: String keys, values of YAML kinds (String, Number,
 *     Boolean, List, Map); written and read back as is
 */
public record CostModelDocument(CostModel model, Map<StageKind, Double> r2, Map<String, Object> metadata) {
    public CostModelDocument {
        if (model == null) throw new IllegalArgumentException("model is null");
        EnumMap<StageKind, Double> r = new EnumMap<>(StageKind.class);
        if (r2 != null) r.putAll(r2);
        r2 = Collections.unmodifiableMap(r);
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** A document with only the model. */
    public static CostModelDocument of(CostModel model) { return new CostModelDocument(model, Map.of(), Map.of()); }
}
