package io.vmqos.host.fleet;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.HostSection;
import io.vmqos.core.fleet.HostInventory;
import io.vmqos.core.fleet.ResourceClasses;
import io.vmqos.core.observed.DomainFacts;
import io.vmqos.core.observed.HeldThread;
import io.vmqos.core.observed.KernelFacts;
import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.Owner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

class HostInventoriesTest {
    @TempDir Path dir;

    private static HostRecord.ThreadEntry thread(int tid, Owner... owners) {
        return new HostRecord.ThreadEntry(tid, 7, 0, "t" + tid, null, null, null, null, List.of(owners));
    }

    @Test
    void eachVmHoldsItsThreadsASharedThreadIsSplitAndOthersAreReserved() {
        CpuBandwidth tenth = CpuBandwidth.ofRuntime(1_000_000, 10_000_000);
        CpuBandwidth fifth = CpuBandwidth.ofRuntime(2_000_000, 10_000_000);
        DomainFacts d = new DomainFacts("0-1", new TreeSet<>(List.of(0, 1)), tenth.plus(fifth).plus(tenth).plus(CpuBandwidth.ofCpus(0.1)),
                new TreeMap<>(), List.of(new HeldThread(101, fifth, -1), new HeldThread(102, tenth, -1), new HeldThread(103, tenth, -1)));
        KernelFacts facts = new KernelFacts(List.of(d), KernelLimits.DEFAULT, 950_000_000L, 1_000_000_000L);
        Owner web = new Owner("config:/h.yaml", "web"), db = new Owner("config:/h.yaml", "db"), tids = new Owner("threads", "");
        HostRecord record = new HostRecord(HostRecord.VERSION, 1, List.of(), List.of(thread(101, web), thread(102, web, db), thread(103, tids)), List.of(), List.of(), List.of(), List.of());
        HostConfig cfg = new HostConfig(HostSection.DEFAULT, Optional.empty(), HostConfig.DEFAULT_OVERHEAD_NS, List.of());

        HostInventory inv = new HostInventories(new ConsumerIds(dir, dir)).of("h1", cfg, facts, record);

        Map<String, Long> byVm = new TreeMap<>();
        inv.allocations().forEach(a -> byVm.put(a.vm(), a.microCpusByProvider().get("h1:0-1")));
        // 102's 104857 units split 52429 (db, first by name) + 52428 (web); each VM's sum rounded up to millionths:
        // db 52429 units = 50000.2 -> 50001; web 209715 + 52428 units = 249999.04 -> 250000
        assertThat(byVm).containsExactly(Map.entry("db", 50_001L), Map.entry("web", 250_000L));
        assertThat(inv.allocations()).anySatisfy(a -> assertThat(a.consumer()).isEqualTo(ConsumerIds.derived("h1", "web")));
        // reserved: the 10% reserve, the 0.1 CPU of servers and the thread vmqos reserved for no VM (103)
        long reserve = CpuBandwidth.ofKernelUnits(199_230).plus(CpuBandwidth.ofCpus(0.1)).plus(tenth).millionths();
        assertThat(inv.child("h1:0-1").inventories().get(ResourceClasses.DL_BANDWIDTH).reserved()).isEqualTo(reserve);
    }
}
