package io.vmqos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vmqos fleet flavor -f vm.yaml}: pure (reads the file and sizes it; touches nothing of the host). */
class FleetFlavorCommandTest extends io.vmqos.testing.CliTestSupport {
    private static final Path COSTS = Path.of("../host/src/test/resources/io/vmqos/host/config/costs.yaml");
    @TempDir Path dir;

    private Path vm(String yaml) throws Exception {
        Files.copy(COSTS, dir.resolve("costs.yaml"));
        return Files.writeString(dir.resolve("vm.yaml"), yaml);
    }

    @Test
    void printsTheExtraSpecsTheFlavorAndTheBound() throws Exception {
        Path f = vm("""
                name: web1
                costModel: costs.yaml
                vcpus: 2
                memoryMb: 2048
                sla:
                  rx: {rate: 2000pps, packetSize: 64, burst: 16, latency: 5ms}
                """);
        assertThat(run("fleet", "flavor", "-f", f.toString())).as(err).isEqualTo(Main.DONE);
        assertThat(out).containsPattern("openstack flavor set web1 --property resources:CUSTOM_VMQOS_DL_BANDWIDTH=\\d+ --property trait:CUSTOM_VMQOS_DEADLINE=required")
                .contains("openstack flavor create web1 --vcpus 2 --ram 2048 --disk 0")
                .contains("vcpu 2 × ")
                .containsPattern("delay at most [0-9.]+[mu]s \\(SLA 5ms\\)");
        assertThat(out).doesNotContain("resources:VCPU").doesNotContain("resources:MEMORY_MB");

        assertThat(run("fleet", "flavor", "-f", f.toString(), "--json", "--flavor", "rt.small")).as(err).isEqualTo(Main.DONE);
        JsonNode j = new ObjectMapper().readTree(out);
        long n = j.get("dlBandwidthMicroCpus").asLong();
        assertThat(j.get("flavor").asText()).isEqualTo("rt.small");
        assertThat(j.get("extraSpecs").get("resources:CUSTOM_VMQOS_DL_BANDWIDTH").asText()).isEqualTo(Long.toString(n));
        assertThat(j.get("extraSpecs").get("trait:CUSTOM_VMQOS_DEADLINE").asText()).isEqualTo("required");
        double cpus = 0;
        for (JsonNode s : j.get("reservations")) cpus += s.get("cpusEach").asDouble() * s.get("threads").asInt();
        assertThat(n).as("rounded up, never below the reservations").isGreaterThanOrEqualTo((long) Math.floor(cpus * 1e6)).isLessThanOrEqualTo((long) Math.ceil(cpus * 1e6) + 3);
        assertThat(j.get("delayBoundNs").asLong()).isPositive().isLessThanOrEqualTo(5_000_000L);
    }

    @Test
    void explicitReservationsAreAskedAsGiven() throws Exception {
        Path f = vm("name: db1\nvcpus: 2\nreservations: {vcpu: 1ms/10ms, io: 500us/10ms}\n");
        assertThat(run("fleet", "flavor", "-f", f.toString(), "--json")).as(err).isEqualTo(Main.DONE);
        // two vCPU threads at 10% and the main loop at 5%, as the kernel counts them (to_ratio rounds each down:
        // 2 x 104857 + 52428 units of 2^20), in millionths rounded up: 249999, what the kernel's admission charges
        assertThat(new ObjectMapper().readTree(out).get("dlBandwidthMicroCpus").asLong()).isEqualTo(249_999L);
        assertThat(new ObjectMapper().readTree(out).get("delayBoundNs").isNull()).isTrue();
    }

    @Test
    void aBrokenFileExitsTwoNamingFileLineColumnKeyAndFix() throws Exception {
        Path f = vm("name: web1\ncostModel: costs.yaml\nsla:\n  rx: {rate: 2000pps, packetSize: 64, burst: 16, latncy: 5ms}\n");
        assertThat(run("fleet", "flavor", "-f", f.toString())).isEqualTo(Main.USAGE);
        assertThat(err).contains("vm.yaml:4:50 sla.rx.latncy").contains("did you mean 'latency'").contains("fix:");
        assertThat(out).isEmpty();

        Path missing = dir.resolve("nope.yaml");
        assertThat(run("fleet", "flavor", "-f", missing.toString())).isEqualTo(Main.USAGE);
        assertThat(err).contains("nope.yaml").contains("fix:");
    }

    @Test
    void anSlaNoReservationMeetsIsRefusedWithExitOne() throws Exception {
        Path f = vm("name: big\ncostModel: costs.yaml\nsla:\n  rx: {rate: 2000kpps, packetSize: 1500, burst: 16, latency: 5ms}\n");
        assertThat(run("fleet", "flavor", "-f", f.toString())).isEqualTo(Main.REFUSED);
        assertThat(err).contains("refused").contains("fix:");
    }
}
