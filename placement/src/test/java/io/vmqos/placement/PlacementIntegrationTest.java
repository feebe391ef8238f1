package io.vmqos.placement;

import io.vmqos.core.fleet.ConsumerAllocation;
import io.vmqos.core.fleet.HostInventory;
import io.vmqos.core.fleet.Inventory;
import io.vmqos.core.fleet.ProviderSpec;
import io.vmqos.core.fleet.ResourceClasses;
import io.vmqos.core.fleet.ResourceRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against the real Placement on 127.0.0.1 (skipped when placement-api is not installed). */
class PlacementIntegrationTest {
    private static PlacementServer server;

    @BeforeAll
    static void start() { server = PlacementServer.start(); }

    @AfterAll
    static void stop() { if (server != null) server.close(); }

    static HostInventory host(String name, long total, long reserved, List<ConsumerAllocation> allocs) {
        ProviderSpec child = new ProviderSpec(name + ":0-1", name,
                new TreeMap<>(Map.of(ResourceClasses.DL_BANDWIDTH, new Inventory(total, reserved, 1, total - reserved, 1, 1.0))),
                new java.util.TreeSet<>(Set.of(ResourceClasses.TRAIT_DEADLINE)));
        return new HostInventory(new ProviderSpec(name, "", new TreeMap<>(), new java.util.TreeSet<>()), List.of(child), allocs);
    }

    @Test
    void aPublishedHostHasItsTreeInventoryAndAllocationsAndASecondSyncChangesNothing() {
        PlacementClient c = server.client();
        UUID vm = UUID.randomUUID();
        HostInventory want = host("pub1", 1_899_999, 400_000, List.of(new ConsumerAllocation(vm, "web", new TreeMap<>(Map.of("pub1:0-1", 200_000L)))));
        PlacementSync.Report first = new PlacementSync(c).sync(want);
        assertThat(first.changes()).isNotEmpty();
        UUID child = first.children().get("pub1:0-1");
        assertThat(c.provider(child).parent()).isEqualTo(first.root());
        assertThat(c.inventories(child).get(ResourceClasses.DL_BANDWIDTH).path("total").asLong()).isEqualTo(1_899_999);
        assertThat(c.inventories(child).get(ResourceClasses.DL_BANDWIDTH).path("reserved").asLong()).isEqualTo(400_000);
        assertThat(c.traits(child)).contains(ResourceClasses.TRAIT_DEADLINE);
        assertThat(c.usages(child)).containsEntry(ResourceClasses.DL_BANDWIDTH, 200_000L);
        assertThat(new PlacementSync(c).sync(want).changes()).isEmpty();

        // the VM released: its allocation goes; a claim a placer made is left alone
        UUID claimed = UUID.randomUUID();
        c.putAllocations(claimed, Map.of(child, Map.of(ResourceClasses.DL_BANDWIDTH, 1_000L)), null, Placer.PLACER_USER);
        PlacementSync.Report released = new PlacementSync(c).sync(host("pub1", 1_899_999, 400_000, List.of()));
        assertThat(released.changes()).anyMatch(s -> s.contains("removed the allocation of released consumer " + vm));
        assertThat(c.allocations(vm).byProvider()).isEmpty();
        assertThat(c.allocations(claimed).byProvider()).containsKey(child);
        c.deleteAllocations(claimed);
    }

    @Test
    void theProviderOfARootDomainThatIsGoneIsDeleted() {
        PlacementClient c = server.client();
        HostInventory two = host("gone1", 1_000_000, 100_000, List.of());
        ProviderSpec other = new ProviderSpec("gone1:2-3", "gone1", two.children().getFirst().inventories(), two.children().getFirst().traits());
        new PlacementSync(c).sync(new HostInventory(two.root(), List.of(two.children().getFirst(), other), List.of()));
        assertThat(c.providerByName("gone1:2-3")).isPresent();
        assertThat(new PlacementSync(c).sync(two).changes()).contains("deleted provider gone1:2-3 (no such root domain any more)");
        assertThat(c.providerByName("gone1:2-3")).isEmpty();
        assertThat(c.providerByName("gone1:0-1")).isPresent();
    }

    @Test
    void aVmIsPlacedAndReleased() {
        PlacementClient c = server.client();
        new PlacementSync(c).sync(host("plc1", 1_000_000, 100_000, List.of()));
        Placer placer = new Placer(c);
        UUID vm = UUID.randomUUID();
        Placer.Claim claim = placer.place(vm, new ResourceRequest(300_000, 0, 0));
        assertThat(claim.host()).isNotBlank();
        assertThat(placer.holdings(vm)).hasValueSatisfying(h -> assertThat(h).containsValue(300_000L));
        assertThatThrownBy(() -> placer.place(vm, new ResourceRequest(1, 0, 0))).hasMessageContaining("already holds allocations");
        placer.release(vm);
        assertThat(placer.holdings(vm)).isEmpty();
        placer.release(vm);
    }

    @Test
    void nothingFitsSaysTheLargestRequestAnyHostCouldTake() {
        PlacementClient c = server.client();
        new PlacementSync(c).sync(host("big1", 1_000_000, 100_000, List.of()));
        Placer placer = new Placer(c);
        UUID vm = UUID.randomUUID();
        assertThatThrownBy(() -> placer.place(vm, new ResourceRequest(5_000_000, 0, 0)))
                .isInstanceOfSatisfying(Placer.NoRoomException.class, e -> assertThat(e.largestMicroCpus()).isGreaterThanOrEqualTo(900_000))
                .hasMessageContaining("the largest any host could still take is");
        assertThat(c.allocations(vm).byProvider()).isEmpty();
    }

    /** Two placers for the last room of one host, 20 times: one wins, the other goes to the spare host or is refused; never over-allocated. */
    @Test
    void twoPlacersForTheLastCapacityNeverOverAllocate() throws Exception {
        PlacementClient c = server.client();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int rep = 0; rep < 20; rep++) {
                String name = "race" + rep;
                PlacementSync.Report r = new PlacementSync(c).sync(host(name, 1_000_000, 400_000, List.of()));
                UUID child = r.children().get(name + ":0-1");
                // fill the host but its last 0.5 CPU, and make a spare host that holds one more of them every other round
                c.putAllocations(UUID.randomUUID(), Map.of(child, Map.of(ResourceClasses.DL_BANDWIDTH, 100_000L)), null, Placer.PLACER_USER);
                CyclicBarrier go = new CyclicBarrier(2);
                List<Future<Object>> results = new ArrayList<>();
                List<UUID> vms = List.of(UUID.randomUUID(), UUID.randomUUID());
                for (UUID vm : vms) {
                    results.add(pool.submit(() -> {
                        go.await();
                        try {
                            return new Placer(c).place(vm, new ResourceRequest(500_000, 0, 0));
                        } catch (Placer.NoRoomException e) {
                            return e;
                        }
                    }));
                }
                List<Object> outcome = new ArrayList<>();
                for (Future<Object> f : results) outcome.add(f.get());
                for (PlacementClient.Provider p : c.providers("required=" + ResourceClasses.TRAIT_DEADLINE)) {
                    var inv = c.inventories(p.uuid()).get(ResourceClasses.DL_BANDWIDTH);
                    assertThat(c.usages(p.uuid()).getOrDefault(ResourceClasses.DL_BANDWIDTH, 0L))
                            .as("usage of %s", p.name()).isLessThanOrEqualTo(inv.path("total").asLong() - inv.path("reserved").asLong());
                }
                assertThat(outcome.stream().filter(o -> o instanceof Placer.Claim cl && cl.host().equals(name)).count()).as("round %d: %s", rep, outcome).isLessThanOrEqualTo(1);
                assertThat(outcome).anyMatch(o -> o instanceof Placer.Claim);
                for (UUID vm : vms) c.deleteAllocations(vm);
                // every host of this round is full now, so that the next round races for its own host
                for (UUID consumer : c.consumersOf(child)) c.deleteAllocations(consumer);
                new PlacementSync(c).sync(host(name, 1_000_000, 1_000_000 - 1, List.of()));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anUnknownResourceClassAndAMissingTokenAreClearErrors() {
        PlacementClient c = server.client();
        assertThatThrownBy(() -> c.allocationCandidates("resources=CUSTOM_NOT_THERE:1"))
                .isInstanceOfSatisfying(PlacementException.class, e -> assertThat(e.kind()).isEqualTo(PlacementException.Kind.UNKNOWN_RESOURCE_CLASS))
                .hasMessageContaining("CUSTOM_NOT_THERE");
        // noauth2 answers 401 to a request without a token
        assertThatThrownBy(() -> new PlacementClient(server.url(), Optional.empty()).providers(""))
                .isInstanceOfSatisfying(PlacementException.class, e -> assertThat(e.kind()).isEqualTo(PlacementException.Kind.UNAUTHORIZED));
        UUID vm = UUID.randomUUID();
        assertThatThrownBy(() -> new Placer(new PlacementClient(server.url(), Optional.empty())).place(vm, new ResourceRequest(1, 0, 0)))
                .hasMessageContaining("401");
        assertThat(c.allocations(vm).byProvider()).isEmpty();
    }
}
