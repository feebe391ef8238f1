package io.vmqos.analysis.fleet;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.RootDomain;
import io.vmqos.core.fleet.HostInventory;
import io.vmqos.core.fleet.Inventory;
import io.vmqos.core.fleet.ResourceClasses;
import io.vmqos.core.fleet.VmHolding;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FleetInventoryTest {
    private static final UUID WEB = UUID.fromString("11111111-1111-1111-1111-111111111111");

    private static RootDomain twoCpus(CpuBandwidth others) {
        return new RootDomain("0-1", new TreeSet<>(List.of(0, 1)), 950_000_000L, 1_000_000_000L, others, new TreeMap<>());
    }

    private static VmHolding web(CpuBandwidth bw) {
        return new VmHolding("web", WEB, new TreeMap<>(Map.of("0-1", bw)));
    }

    @Test
    void publishesOneChildPerRootDomainWithCapacityReserveAndOthersInMillionths() {
        HostCapacity cap = new HostCapacity(List.of(twoCpus(CpuBandwidth.ofCpus(0.1))), 0.10, false);
        HostInventory inv = FleetInventory.of("h1", cap, List.of(web(CpuBandwidth.ofRuntime(2_000_000, 10_000_000))));

        assertThat(inv.root().name()).isEqualTo("h1");
        assertThat(inv.root().inventories()).isEmpty();
        assertThat(inv.children()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("h1:0-1");
            assertThat(c.parent()).isEqualTo("h1");
            assertThat(c.traits()).containsExactly(ResourceClasses.TRAIT_DEADLINE);
            Inventory i = c.inventories().get(ResourceClasses.DL_BANDWIDTH);
            // 2 × to_ratio(1 s, 950 ms) = 1992294 kernel units = 1899999.6 millionths, rounded down
            assertThat(i.total()).isEqualTo(1_899_999);
            // reserve ceil(10% of 1992294) = 199230 units + others floor(0.1 × 2^20) = 104857 units, rounded up
            assertThat(i.reserved()).isEqualTo(CpuBandwidth.ofKernelUnits(199_230 + 104_857).millionths());
            assertThat(i.maxUnit()).isEqualTo(i.total() - i.reserved());
            assertThat(i.minUnit()).isEqualTo(1);
            assertThat(i.stepSize()).isEqualTo(1);
            assertThat(i.allocationRatio()).isEqualTo(1.0);
        });
        assertThat(inv.allocations()).singleElement().satisfies(a -> {
            assertThat(a.consumer()).isEqualTo(WEB);
            assertThat(a.microCpusByProvider()).containsExactly(Map.entry("h1:0-1", 200_000L));
        });
    }

    @Test
    void partitionedHostsAreTraitedAndOneVmGetsAtMostOneCpusWorth() {
        HostCapacity cap = new HostCapacity(List.of(twoCpus(CpuBandwidth.ZERO)), 0.10, true);
        HostInventory inv = FleetInventory.of("h1", cap, List.of());
        var c = inv.child("h1:0-1");
        assertThat(c.traits()).containsExactlyInAnyOrder(ResourceClasses.TRAIT_DEADLINE, ResourceClasses.TRAIT_PARTITIONED);
        // one CPU: 996147 units less its 10% reserve (99615 units, rounded up) = 896532 units = 854999.2 millionths
        assertThat(c.inventories().get(ResourceClasses.DL_BANDWIDTH).maxUnit()).isEqualTo(854_999);
        assertThat(inv.allocations()).isEmpty();
    }

    @Test
    void aVmInARootDomainNotPlannedOnIsRefusedNamingTheFix() {
        HostCapacity cap = new HostCapacity(List.of(twoCpus(CpuBandwidth.ZERO)), 0.10, false);
        VmHolding elsewhere = new VmHolding("web", WEB, new TreeMap<>(Map.of("2-3", CpuBandwidth.ofCpus(0.2))));
        assertThatThrownBy(() -> FleetInventory.of("h1", cap, List.of(elsewhere)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("root domain 2-3").hasMessageContaining("fix: give host.cpus");
    }

    /** Rounding never lets Placement hold more than the total, and never shows more room than the kernel has. */
    @Property(tries = 300)
    void placementNeverHoldsMoreThanTheTotalNorShowsMoreRoomThanTheKernel(@ForAll @IntRange(min = 0, max = 12) int vms,
                                                                          @ForAll @IntRange(min = 1, max = 150_000) int perVmUnits,
                                                                          @ForAll @IntRange(min = 0, max = 300_000) int othersUnits) {
        CpuBandwidth others = CpuBandwidth.ofKernelUnits(othersUnits);
        HostCapacity cap = new HostCapacity(List.of(twoCpus(others)), 0.10, false);
        List<VmHolding> hs = new java.util.ArrayList<>();
        for (int i = 0; i < vms; i++) hs.add(new VmHolding("vm" + i, new UUID(0, i + 1), new TreeMap<>(Map.of("0-1", CpuBandwidth.ofKernelUnits(perVmUnits)))));
        HostInventory inv = FleetInventory.of("h", cap, hs);
        Inventory i = inv.child("h:0-1").inventories().get(ResourceClasses.DL_BANDWIDTH);
        long allocated = inv.allocations().stream().mapToLong(a -> a.microCpusByProvider().get("h:0-1")).sum();
        RootDomain d = cap.rootDomains().getFirst();
        CpuBandwidth kernelFree = d.capacity().minus(cap.reserveOf(d.capacity())).minus(others).minus(CpuBandwidth.ofKernelUnits((long) perVmUnits * vms));
        if (!kernelFree.isNegative()) {
            assertThat(allocated + i.reserved()).isLessThanOrEqualTo(i.total());
            assertThat(i.total() - i.reserved() - allocated).isLessThanOrEqualTo(kernelFree.millionthsDown() + 1);
        }
    }
}
