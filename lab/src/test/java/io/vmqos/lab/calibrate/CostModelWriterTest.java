package io.vmqos.lab.calibrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vmqos.core.StageKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The cost-model YAML has the agreed shape and reads back with Jackson YAML. */
class CostModelWriterTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void writesTheAgreedShape(@TempDir Path dir) throws Exception {
        CalibrationResult r = SyntheticCalibration.result(CalibrationOptions.defaults(), null, 0);
        Path f = CostModelWriter.write(dir.resolve("sub/costs.yaml"), r);
        assertThat(f).exists();
        assertThat(Files.list(f.getParent())).containsExactly(f); // no temp file left
        String text = Files.readString(f);
        assertThat(text).contains("\n  napi: {perPacketNs: 900, perByteNs: 0.1").contains("\n  io:   {perPacketNs: ")
                .contains("\nmeasured: {date: \"2025-01-02T03:04:05Z\", kernel: \"6.18.0-test\", accel: \"TCG\", rates: [250, 500, 1000, 2000], sizes: [64, 1024], durationS: 5,");

        JsonNode root = YAML.readTree(text);
        assertThat(root.fieldNames()).toIterable().containsExactly("stages", "measured");
        JsonNode stages = root.get("stages");
        assertThat(stages.fieldNames()).toIterable().containsExactly("napi", "io", "vcpu");
        for (StageKind k : StageKind.values()) {
            JsonNode s = stages.get(k.name().toLowerCase());
            assertThat(s.fieldNames()).toIterable().containsExactly("perPacketNs", "perByteNs", "r2");
            assertThat(s.get("perPacketNs").isNumber()).isTrue();
            assertThat(s.get("perPacketNs").asDouble()).isCloseTo(SyntheticCalibration.TRUTH[k.ordinal()][1], within(1.0));
            assertThat(s.get("perByteNs").asDouble()).isCloseTo(SyntheticCalibration.TRUTH[k.ordinal()][2], within(0.01));
            assertThat(s.get("r2").asDouble()).isCloseTo(1, within(1e-6));
        }
        JsonNode m = root.get("measured");
        assertThat(m.get("accel").asText()).isEqualTo("TCG");
        assertThat(m.get("kernel").asText()).isEqualTo("6.18.0-test");
        assertThat(m.get("date").asText()).isEqualTo("2025-01-02T03:04:05Z");
        assertThat(m.get("rates").isArray()).isTrue();
        assertThat(m.get("rates").get(3).asInt()).isEqualTo(2000);
        assertThat(m.get("sizes").get(1).asInt()).isEqualTo(1024);
        assertThat(m.get("durationS").asDouble()).isEqualTo(5.0);
        assertThat(m.get("idleNs").fieldNames()).toIterable().containsExactly("napi", "io", "vcpu");
        assertThat(m.get("idleNs").get("vcpu").asDouble()).isCloseTo(2e7, within(2e4));
    }

    @Test
    void planReadsWhatCalibrateWrites(@TempDir Path dir) throws Exception {
        CalibrationResult r = SyntheticCalibration.result(CalibrationOptions.defaults(), null, 0);
        Path f = CostModelWriter.write(dir.resolve("costs.yaml"), r);
        var doc = io.vmqos.host.config.CostModelFile.read(f);
        for (StageKind k : StageKind.values()) {
            assertThat(doc.model().cost(k).perPacketNs()).isCloseTo(r.costModel().cost(k).perPacketNs(), within(0.01));
            assertThat(doc.r2().get(k)).isCloseTo(1, within(1e-6));
        }
        assertThat(doc.metadata()).containsKey("kernel");
    }

    @Test
    void numbersArePlainDecimals() {
        assertThat(CostModelWriter.num(1234.5)).isEqualTo("1234.5");
        assertThat(CostModelWriter.num(0.000012345678)).isEqualTo("0.0000123457");
        assertThat(CostModelWriter.num(12345678901.0)).isEqualTo("12345700000");
        assertThat(CostModelWriter.num(0)).isEqualTo("0");
        assertThat(CostModelWriter.num(1.5e-3)).isEqualTo("0.0015");
    }
}
