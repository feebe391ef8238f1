package io.vmqos.lab.calibrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vmqos.analysis.StageCostFit;
import io.vmqos.core.StageKind;
import io.vmqos.lab.Cleanup;
import io.vmqos.lab.Packages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A short real calibration on the lab VM (2 rates × 2 sizes × 2 s): writes a file with three stages, positive
 * per-packet costs for IO and VCPU, R² reported, and leaves no VM or namespace behind. R² itself is not asserted:
 * the machine is shared and noisy. Needs root, /dev/net/tun, qemu-system-x86, iproute2, ethtool.
 */
class CalibratorIntegrationTest {

    @Test
    void shortCalibrationWritesAThreeStageModel(@TempDir Path dir) throws Exception {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: network namespaces, taps, a VM");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun on this machine");
        Set<String> nsBefore = namespaces();
        int liveBefore = Cleanup.liveCount();
        CalibrationOptions o = new CalibrationOptions(List.of(300L, 900L), List.of(64, 1024), 2_000_000_000L, 1, 0.9, 1, 20);
        CalibrationResult r = new Calibrator(o, s -> System.out.println("calibrate: " + s)).run();

        assertThat(r.points()).hasSize(4);
        assertThat(r.points()).allSatisfy(p -> assertThat(p.replies()).isPositive());
        for (StageKind k : StageKind.values()) {
            StageCostFit f = r.fits().get(k);
            System.out.printf("%s: perPacket %.1f ns, perByte %.4f ns/B, idle %.3f%% CPU, R² %.3f, RMS %.3f%% CPU%n", k, f.perPacketNs(),
                    f.perByteNs(), f.idleNsPerSecond() / 1e7, f.r2(), f.rmsResidualNsPerSecond() / 1e7);
            assertThat(f.r2()).as(k + " R²").isNotNaN();
        }
        assertThat(r.fits().get(StageKind.IO).perPacketNs()).isPositive();
        assertThat(r.fits().get(StageKind.VCPU).perPacketNs()).isPositive();

        Path file = CostModelWriter.write(dir.resolve("costs.yaml"), r);
        System.out.println(Files.readString(file));
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        JsonNode stages = root.get("stages");
        assertThat(stages.has("io")).isTrue();
        assertThat(stages.has("vcpu")).isTrue();
        assertThat(stages.get("io").get("perPacketNs").asDouble()).isPositive();
        assertThat(stages.get("vcpu").get("perPacketNs").asDouble()).isPositive();
        assertThat(stages.get("vcpu").get("r2").isNumber()).isTrue();
        assertThat(root.get("measured").get("idleNs").size()).isEqualTo(3);
        assertThat(stages.size()).as("napi, io and vcpu in the file").isEqualTo(3);
        assertThat(r.points()).as("the NAPI threads carry the echo").anySatisfy(p -> assertThat(p.cpuNsPerSecond(StageKind.NAPI)).isPositive());

        assertThat(Cleanup.liveCount()).as("VM and network unregistered after close").isEqualTo(liveBefore);
        assertThat(namespaces()).as("no lab namespace left").isSubsetOf(nsBefore);
    }

    private static Set<String> namespaces() throws Exception {
        Path d = Path.of("/run/netns");
        if (!Files.isDirectory(d)) return Set.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("vqlab-k")).collect(Collectors.toSet());
        }
    }
}
