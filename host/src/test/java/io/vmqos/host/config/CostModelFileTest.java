package io.vmqos.host.config;

import io.vmqos.core.CostModel;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CostModelFileTest {
    @TempDir Path dir;

    @Test
    void writeThenReadGivesTheSameDocument() {
        CostModel model = CostModel.of(new StageCost(812.5, 0.125), new StageCost(2100, 0.3), new StageCost(4000, 0.5));
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("host", "lab1");
        meta.put("samples", 12L);
        meta.put("sizes", List.of(64L, 1500L));
        CostModelDocument doc = new CostModelDocument(model, Map.of(StageKind.NAPI, 0.97, StageKind.VCPU, 0.99), meta);
        Path f = dir.resolve("costs.yaml");
        CostModelFile.write(f, doc);
        assertThat(CostModelFile.read(f)).isEqualTo(doc);
    }

    @Test
    void aStagesBackgroundLoadIsWrittenAsItsIdleUseAndReadBack() {
        // what the live calibration writes: each stage's fitted intercept is its background load
        CostModel model = new CostModel(Map.of(StageKind.IO, new StageCost(6400, 0, 9.5e6), StageKind.VCPU, new StageCost(9700, 0)));
        Path f = dir.resolve("live.yaml");
        CostModelFile.write(f, model, Map.of(), Map.of("source", "test"));
        CostModelDocument back = CostModelFile.read(f);
        assertThat(back.model()).isEqualTo(model);
        assertThat(back.model().cost(StageKind.IO).backgroundNsPerSecond()).isEqualTo(9.5e6);
        assertThat(back.metadata()).containsEntry("source", "test").containsEntry("idleNs", Map.of("io", 9.5e6));
    }

    @Test
    void readsTheTestModel() {
        CostModelDocument d = CostModelFile.read(HostConfigParserTest.DIR.resolve("costs.yaml"));
        assertThat(d.model().cost(StageKind.IO)).isEqualTo(new StageCost(2000, 0.25));
        assertThat(d.r2()).containsOnlyKeys(StageKind.NAPI, StageKind.VCPU);
        assertThat(d.metadata()).containsEntry("host", "testbox").containsEntry("runs", 3L);
    }

    @Test
    void badCostsAreRefusedWithTheirPlace() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "stages:\n  vcpu: {perPacketNs: 100, perByteNs: 0.1}\n  io: {perPacketNs: -5, perByteNs: 0}\n");
        assertThatThrownBy(() -> CostModelFile.read(f)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad.yaml:3:").hasMessageContaining("stages.io").hasMessageContaining("fix:");
        Files.writeString(f, "stages:\n  vcpus: {perPacketNs: 100, perByteNs: 0.1}\n");
        assertThatThrownBy(() -> CostModelFile.read(f)).hasMessageContaining("bad.yaml:2:3").hasMessageContaining("did you mean 'vcpu'");
        Files.writeString(f, "stages: {}\n");
        assertThatThrownBy(() -> CostModelFile.read(f)).hasMessageContaining("has no stage");
    }
}
