package io.vmqos.lab.fleet;

import io.vmqos.core.fleet.ResourceRequest;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-memory fleet never allocates more than a provider's usable inventory, nor above max_unit. */
class InMemoryFleetTest {
    @Property(tries = 200)
    void neverOverAllocates(@ForAll @Size(min = 1, max = 6) List<@IntRange(min = 2, max = 16) Integer> hostCpus,
                            @ForAll @Size(max = 80) List<@LongRange(min = 0, max = 3_000_000) Long> dl,
                            @ForAll boolean partitioned) {
        InMemoryFleet f = new InMemoryFleet();
        List<SyntheticHost> hosts = new java.util.ArrayList<>();
        for (int i = 0; i < hostCpus.size(); i++) {
            SyntheticHost h = new SyntheticHost("h" + i, hostCpus.get(i), partitioned && i % 2 == 0, hostCpus.get(i) * 2048L);
            hosts.add(h);
            f.register(h.inventory());
        }
        for (int i = 0; i < dl.size(); i++) {
            ResourceRequest r = new ResourceRequest(dl.get(i), 1 + i % 4, 1024L * (1 + i % 3));
            f.place(new UUID(0, i), r).ifPresent(host -> assertThat(host).startsWith("h"));
            if (i % 3 == 2) f.release(new UUID(0, i - 1)); // gives the room back
        }
        Map<UUID, InMemoryFleet.Allocation> all = f.allocations();
        for (SyntheticHost h : hosts) {
            HostInventory inv = h.inventory();
            HostInventory.Domain d = inv.domains().getFirst();
            long dlSum = 0, vcpus = 0, mem = 0;
            for (InMemoryFleet.Allocation a : all.values()) {
                if (!a.host().equals(h.name())) continue;
                assertThat(a.request().dlBandwidthMicroCpus()).isLessThanOrEqualTo(d.maxUnitMicroCpus());
                dlSum += a.request().dlBandwidthMicroCpus();
                vcpus += a.request().vcpus();
                mem += a.request().memoryMb();
            }
            assertThat(dlSum).isEqualTo(f.dlUsed(h.name(), d.name())).isLessThanOrEqualTo(d.usableMicroCpus());
            assertThat(vcpus).isLessThanOrEqualTo(inv.vcpuCapacity());
            assertThat(mem).isLessThanOrEqualTo(inv.memoryMb());
        }
    }
}
