package io.vmqos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.vmqos.core.fleet.ResourceClasses;
import io.vmqos.placement.PlacementClient;
import io.vmqos.placement.PlacementServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vmqos fleet publish|place|release} in-process against the real Placement on 127.0.0.1 (skipped without placement-api). */
class FleetCommandTest extends io.vmqos.testing.CliTestSupport {
    private static PlacementServer server;
    @TempDir Path dir;

    @BeforeAll
    static void start() { server = PlacementServer.start(); }

    @AfterAll
    static void stop() { if (server != null) server.close(); }

    private Path hostYaml() throws Exception {
        Path f = dir.resolve("host.yaml");
        Files.writeString(f, "placement: {url: " + server.url() + ", token: admin, name: clihost}\nvms: []\n");
        return f;
    }

    private Path vmYaml(String body) throws Exception {
        Path f = dir.resolve("vm.yaml");
        Files.writeString(f, body);
        return f;
    }

    @Test
    void publishPlaceAndReleaseAgainstTheRealPlacement() throws Exception {
        PlacementClient c = server.client();
        // before any host is published the class does not exist: a clear message, exit 1, nothing claimed
        UUID early = UUID.randomUUID();
        Path vm = vmYaml("name: web\nreservations: {vcpu: 2ms/10ms, io: 1ms/10ms}\n");
        assertThat(run("fleet", "place", "-f", vm.toString(), "--placement", server.url(), "--token", "admin", "--consumer", early.toString())).as(err).isEqualTo(Main.REFUSED);
        assertThat(err).contains("unknown resource class").contains("vmqos fleet publish");
        assertThat(c.allocations(early).byProvider()).isEmpty();

        Path host = hostYaml();
        assertThat(run("fleet", "publish", "-f", host.toString(), "--json")).as(err).isZero();
        JsonNode published = new ObjectMapper().readTree(out);
        assertThat(run("show", "--json")).as(err).isZero();
        JsonNode ledger = new ObjectMapper().readTree(out).path("ledger");
        for (JsonNode d : ledger) {
            if (d.path("capacity").asDouble() < 0) continue;
            String child = "clihost:" + d.path("cpus").asText();
            UUID uuid = UUID.fromString(published.path("children").path(child).asText());
            JsonNode inv = c.inventories(uuid).get(ResourceClasses.DL_BANDWIDTH);
            long capacity = (long) Math.floor(d.path("capacity").asDouble() * 1_000_000);
            assertThat(inv.path("total").asLong()).as("total of %s", child).isBetween(capacity - 1, capacity + 1);
            // reserved: the 10% host reserve plus what the kernel's servers and others' threads hold
            long held = (long) Math.ceil((0.10 * d.path("capacity").asDouble() + d.path("kernelCounter").asDouble()) * 1_000_000);
            assertThat(inv.path("reserved").asLong()).as("reserved of %s", child).isBetween(held - 2, held + 2);
            assertThat(c.traits(uuid)).contains(ResourceClasses.TRAIT_DEADLINE);
        }
        assertThat(run("fleet", "publish", "-f", host.toString())).as(err).isZero();
        assertThat(out).contains("already matched");

        UUID consumer = UUID.randomUUID();
        assertThat(run("fleet", "place", "-f", vm.toString(), "--placement", server.url(), "--token", "admin", "--consumer", consumer.toString())).as(err).isZero();
        assertThat(out).startsWith("clihost");
        // vcpu 20% + io 10% = 0.3 CPU
        assertThat(c.allocations(consumer).byProvider().values()).singleElement().satisfies(r -> assertThat(r).containsEntry(ResourceClasses.DL_BANDWIDTH, 300_000L));
        assertThat(run("fleet", "release", "--consumer", consumer.toString(), "--placement", server.url(), "--token", "admin")).as(err).isZero();
        assertThat(c.allocations(consumer).byProvider()).isEmpty();

        // too big for any host: exit 1 with the largest request left, nothing claimed
        Path big = vmYaml("name: big\nreservations: {vcpu: 9ms/10ms, io: 9ms/10ms}\n");
        UUID bigId = UUID.randomUUID();
        assertThat(run("fleet", "place", "-f", big.toString(), "--placement", server.url(), "--token", "admin", "--vcpus", "4", "--consumer", bigId.toString())).isEqualTo(Main.REFUSED);
        assertThat(err).contains("the largest any host could still take is");
        assertThat(c.allocations(bigId).byProvider()).isEmpty();
    }

    @Test
    void badInputIsAClearMessageANonZeroExitAndNoAllocation() throws Exception {
        PlacementClient c = server.client();
        UUID id = UUID.randomUUID();
        Path vm = vmYaml("name: web\nreservations: {vcpu: 2ms/10ms}\n");
        // no token: noauth2 answers 401
        assertThat(run("fleet", "place", "-f", vm.toString(), "--placement", server.url(), "--consumer", id.toString())).isEqualTo(Main.REFUSED);
        assertThat(err).contains("401, the token was refused");
        // a URL that is not Placement
        HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other.createContext("/", ex -> { byte[] b = "<html>router</html>".getBytes(); ex.sendResponseHeaders(200, b.length); ex.getResponseBody().write(b); ex.close(); });
        other.start();
        try {
            String url = "http://127.0.0.1:" + other.getAddress().getPort();
            assertThat(run("fleet", "place", "-f", vm.toString(), "--placement", url, "--consumer", id.toString())).isEqualTo(Main.REFUSED);
            assertThat(err).contains("not as OpenStack Placement does");
            Path host = dir.resolve("h.yaml");
            Files.writeString(host, "placement: {url: " + url + "}\nvms: []\n");
            assertThat(run("fleet", "publish", "-f", host.toString())).isEqualTo(Main.REFUSED);
            assertThat(err).contains("not as OpenStack Placement does");
        } finally {
            other.stop(0);
        }
        // a vm.yaml with errors: located, exit 2
        Path broken = vmYaml("name: web\nreservations: {vcpu: 2ms/1ms}\n");
        assertThat(run("fleet", "place", "-f", broken.toString(), "--placement", server.url(), "--token", "admin", "--consumer", id.toString())).isEqualTo(Main.USAGE);
        assertThat(err).contains("vm.yaml:2").contains("fix:");
        Path unknownKey = vmYaml("name: web\ndomian: web\n");
        assertThat(run("fleet", "place", "-f", unknownKey.toString(), "--placement", server.url(), "--token", "admin")).isEqualTo(Main.USAGE);
        assertThat(err).contains("vm.yaml:2");
        assertThat(c.allocations(id).byProvider()).isEmpty();
    }
}
