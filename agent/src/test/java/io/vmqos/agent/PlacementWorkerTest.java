package io.vmqos.agent;

import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.HostSection;
import io.vmqos.core.config.PlacementSection;
import io.vmqos.core.fleet.ConsumerAllocation;
import io.vmqos.core.fleet.HostInventory;
import io.vmqos.core.fleet.Inventory;
import io.vmqos.core.fleet.ProviderSpec;
import io.vmqos.core.fleet.ResourceClasses;
import io.vmqos.placement.PlacementClient;
import io.vmqos.placement.PlacementServer;
import io.vmqos.placement.PlacementSync;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent's publisher against the real Placement, killed and restarted (same port and database) mid-publish. */
class PlacementWorkerTest {
    private static HostInventory host(UUID... vms) {
        ProviderSpec child = new ProviderSpec("agent1:0-1", "agent1",
                new TreeMap<>(Map.of(ResourceClasses.DL_BANDWIDTH, new Inventory(1_899_999, 400_000, 1, 1_499_999, 1, 1.0))),
                new TreeSet<>(Set.of(ResourceClasses.TRAIT_DEADLINE)));
        List<ConsumerAllocation> a = java.util.Arrays.stream(vms).map(v -> new ConsumerAllocation(v, "vm-" + v, new TreeMap<>(Map.of("agent1:0-1", 100_000L)))).toList();
        return new HostInventory(new ProviderSpec("agent1", "", new TreeMap<>(), new TreeSet<>()), List.of(child), a);
    }

    private static void await(BooleanSupplier ok, String what) throws InterruptedException {
        long until = System.nanoTime() + 90_000_000_000L;
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > until) throw new AssertionError("not within 90 s: " + what);
            Thread.sleep(50);
        }
    }

    @Test
    void aDeadPlacementIsLoggedOnceAndCaughtUpWhenItReturns() throws Exception {
        try (PlacementServer server = PlacementServer.start()) {
            PlacementClient c = server.client();
            HostConfig cfg = new HostConfig(HostSection.DEFAULT, Optional.empty(), HostConfig.DEFAULT_OVERHEAD_NS, List.of(),
                    Optional.of(new PlacementSection(server.url(), Optional.of(PlacementServer.TOKEN), Optional.empty())));
            AtomicReference<HostInventory> now = new AtomicReference<>(host());
            ByteArrayOutputStream logged = new ByteArrayOutputStream();
            AgentStats stats = new AgentStats();
            try (PlacementWorker w = new PlacementWorker(x -> new PlacementSync(c).sync(now.get()), new Log(new PrintStream(logged, true), false), stats)) {
                w.start();
                w.changed(cfg);
                await(() -> stats.placementInSync() == 1, "first publish");

                UUID vm = UUID.randomUUID();
                now.set(host(vm));
                w.changed(cfg);
                server.kill(); // while (or before) that publish runs
                await(() -> stats.placementFailures() >= 3, "three failed retries");
                assertThat(stats.placementInSync()).isZero();
                assertThat(logged.toString().split("publishing into placement failed", -1)).hasSize(2); // once per outage

                server.restart();
                await(() -> stats.placementInSync() == 1, "catch-up after restart");
                assertThat(c.allocations(vm).byProvider().values()).singleElement()
                        .satisfies(r -> assertThat(r).containsEntry(ResourceClasses.DL_BANDWIDTH, 100_000L));
                assertThat(logged.toString()).contains("answers again: published, caught up");

                now.set(host()); // released
                w.changed(cfg);
                await(() -> stats.placementInSync() == 1 && c.allocations(vm).byProvider().isEmpty(), "release published");
            }
        }
    }
}
