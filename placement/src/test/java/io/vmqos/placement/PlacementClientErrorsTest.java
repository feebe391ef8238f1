package io.vmqos.placement;

import com.sun.net.httpserver.HttpServer;
import io.vmqos.core.fleet.ResourceRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Error mapping against a tiny fake HTTP server on 127.0.0.1. */
class PlacementClientErrorsTest {
    private HttpServer server;

    @AfterEach
    void stop() { if (server != null) server.stop(0); }

    private String serve(String path, int status, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(path, ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Test
    void aUrlThatAnswersButIsNotPlacementIsSaidSo() throws IOException {
        String url = serve("/", 200, "<html>hello</html>");
        assertThatThrownBy(() -> new PlacementClient(url, Optional.empty()).checkService())
                .isInstanceOfSatisfying(PlacementException.class, e -> assertThat(e.kind()).isEqualTo(PlacementException.Kind.NOT_PLACEMENT))
                .hasMessageContaining("not as OpenStack Placement does").hasMessageContaining("fix: give Placement's endpoint");
    }

    @Test
    void aJsonServiceWithoutVersionsIsNotPlacement() throws IOException {
        String url = serve("/", 200, "{\"name\":\"keystone\"}");
        assertThatThrownBy(() -> new PlacementClient(url, Optional.empty()).checkService())
                .hasMessageContaining("is not OpenStack Placement");
    }

    @Test
    void aPlacementTooOldForTheMicroversionIsRefused() throws IOException {
        String url = serve("/", 200, "{\"versions\":[{\"id\":\"v1.0\",\"min_version\":\"1.0\",\"max_version\":\"1.30\"}]}");
        assertThatThrownBy(() -> new PlacementClient(url, Optional.empty()).checkService())
                .hasMessageContaining("does not speak microversion 1.39");
    }

    @Test
    void a401SaysTheTokenWasRefusedAndHowToGetOne() throws IOException {
        String url = serve("/", 401, "{\"message\":\"nope\"}");
        assertThatThrownBy(() -> new PlacementClient(url, Optional.of("bad")).providers(""))
                .isInstanceOfSatisfying(PlacementException.class, e -> assertThat(e.kind()).isEqualTo(PlacementException.Kind.UNAUTHORIZED))
                .hasMessageContaining("401, the token was refused").hasMessageContaining("openstack token issue");
    }

    @Test
    void a403AndA400CarryPlacementsDetail() throws IOException {
        String url = serve("/", 400, "{\"errors\":[{\"status\":400,\"detail\":\"The server could not comply.\\n\\n JSON does not validate: -1 is less than the minimum of 1  \"}]}");
        assertThatThrownBy(() -> new PlacementClient(url, Optional.empty()).providers(""))
                .isInstanceOfSatisfying(PlacementException.class, e -> assertThat(e.kind()).isEqualTo(PlacementException.Kind.BAD_REQUEST))
                .hasMessageContaining("JSON does not validate: -1 is less than the minimum of 1").hasMessageNotContaining("could not comply");
    }

    @Test
    void connectionRefusedNamesTheFix() throws IOException {
        int port;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) { port = s.getLocalPort(); }
        assertThatThrownBy(() -> new PlacementClient("http://127.0.0.1:" + port, Optional.empty()).checkService())
                .isInstanceOfSatisfying(PlacementException.class, e -> assertThat(e.kind()).isEqualTo(PlacementException.Kind.UNREACHABLE))
                .hasMessageContaining("connection refused").hasMessageContaining("fix: start Placement");
    }

    @Test
    void aConflictIsRetriedABoundedNumberOfTimes() {
        AtomicInteger calls = new AtomicInteger();
        PlacementException conflict = new PlacementException(PlacementException.Kind.CONFLICT, 409, "moved", null);
        assertThat(Retry.onConflict(() -> { if (calls.incrementAndGet() < 3) throw conflict; return "done"; })).isEqualTo("done");
        calls.set(0);
        assertThatThrownBy(() -> Retry.onConflict(() -> { calls.incrementAndGet(); throw conflict; })).isSameAs(conflict);
        assertThat(calls).hasValue(Retry.ATTEMPTS);
    }

    @Test
    void theCandidateQueryPutsTheBandwidthInItsOwnGroupWithTheTrait() {
        assertThat(Placer.query(new ResourceRequest(250_000, 0, 0)))
                .isEqualTo("resources_VMQOS=CUSTOM_VMQOS_DL_BANDWIDTH:250000&required_VMQOS=CUSTOM_VMQOS_DEADLINE");
        assertThat(Placer.query(new ResourceRequest(250_000, 2, 1024)))
                .endsWith("&resources=VCPU:2,MEMORY_MB:1024");
        assertThat(UUID.nameUUIDFromBytes("x".getBytes(StandardCharsets.UTF_8))).isNotNull();
    }
}
