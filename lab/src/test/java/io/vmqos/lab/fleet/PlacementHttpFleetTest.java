package io.vmqos.lab.fleet;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.fleet.ResourceRequest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lab's Placement fleet against a real placement-api (skipped when it is not installed). */
class PlacementHttpFleetTest {
    @Test
    void placesThroughTheRealPlacementAsTheInMemoryFleetDoes() throws Exception {
        try (io.vmqos.placement.PlacementServer server = io.vmqos.placement.PlacementServer.start()) {
            PlacementHttpFleet real = new PlacementHttpFleet(URI.create(server.url()));
            InMemoryFleet mem = new InMemoryFleet();
            SyntheticHost a = new SyntheticHost("a", 8, false, 16384), b = new SyntheticHost("b", 8, true, 16384);
            for (SyntheticHost h : new SyntheticHost[] {a, b}) {
                real.register(h.inventory());
                mem.register(h.inventory());
            }
            // a: 6.44 CPUs usable; b: partitioned, at most 0.805 CPU per VM
            ResourceRequest big = new ResourceRequest(4_000_000, 4, 4096), mid = new ResourceRequest(2_000_000, 2, 2048),
                    small = new ResourceRequest(700_000, 1, 1024), tooBig = new ResourceRequest(7_000_000, 1, 1024);
            assertThat(real.place(UUID.randomUUID(), big)).contains("a");
            assertThat(real.place(UUID.randomUUID(), mid)).contains("a");
            assertThat(real.place(UUID.randomUUID(), mid)).as("a is full, b's max_unit is below 2 CPUs").isEmpty();
            assertThat(real.place(UUID.randomUUID(), small)).contains("b");
            assertThat(real.place(UUID.randomUUID(), tooBig)).isEmpty();
            assertThat(real.place(UUID.randomUUID(), new ResourceRequest(100_000, 100, 1024))).as("VCPU x4 binds").isEmpty();
        }
    }

    @Test
    void aSmallSimulationAgreesWithTheInMemoryFleet() throws Exception {
        FleetSimulation.Options o = new FleetSimulation.Options(10, 100, 11, SimCostModel.KVM, "kvm");
        FleetResult mem = FleetSimulation.run(new InMemoryFleet(), "in-memory", o);
        java.nio.file.Path dir;
        try (io.vmqos.placement.PlacementServer server = io.vmqos.placement.PlacementServer.start()) {
            dir = server.dir();
            FleetResult real = FleetSimulation.run(new PlacementHttpFleet(URI.create(server.url())), "placement " + server.url(), o);
            FleetResult.Alternative v = real.alternative(FleetSimulation.VMQOS);
            assertThat(v.placed()).isPositive();
            assertThat(real.placementsPerSecond()).isPositive();
            // Placement's candidates come in its own order, not first fit: the share admitted may differ a little, the
            // reservations asked may not
            assertThat(v.cpusReservedAll()).isEqualTo(mem.alternative(FleetSimulation.VMQOS).cpusReservedAll());
            assertThat(real.alternatives().subList(1, 4)).isEqualTo(mem.alternatives().subList(1, 4));
        }
        assertThat(Files.exists(dir)).as("the server's files are removed").isFalse();
    }

    @Test
    void onlyALocalPlacementIsAccepted() {
        assertThatThrownBy(() -> new PlacementHttpFleet(URI.create("http://192.0.2.1:8778"))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("127.0.0.1");
        assertThat(PlacementHttpFleet.resources(new ResourceRequest(5, 0, 7))).isEqualTo("CUSTOM_VMQOS_DL_BANDWIDTH:5,MEMORY_MB:7");
    }
}
