package io.vmqos.linux;

import io.vmqos.core.CpuList;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.Reservation;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LedgerAssembleTest {
    static final long FAIR = 52428; // 50ms/1s
    static final Reservation R = Reservation.of(2_000_000, 10_000_000);

    static TreeMap<Integer, CpuDlBandwidth> kernel(long... totals) {
        TreeMap<Integer, CpuDlBandwidth> m = new TreeMap<>();
        for (int i = 0; i < totals.length; i++) m.put(i, new CpuDlBandwidth(i, u(996147), u(totals[i])));
        return m;
    }

    /** {@code n} kernel units. */
    static CpuBandwidth u(long n) { return CpuBandwidth.ofKernelUnits(n); }

    static List<ServerBandwidth> fair(int n) {
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(c -> new ServerBandwidth(c, "fair_server", 50_000_000, 1_000_000_000, false)).toList();
    }

    @Test
    void idleMachineExplainsTotalByServers() throws Exception {
        var perCpu = SchedDebugParser.parse(SchedDebugParserTest.sample("sched-debug-6.18-idle.txt"));
        LedgerSnapshot s = DeadlineLedger.assemble(perCpu, List.of(CpuList.parse("0-1")), fair(2), List.of(), List.of());
        RootDomainLedger d = s.domainOf(1);
        assertThat(d.serversTotal()).isEqualTo(u(2 * FAIR)).isEqualTo(u(104856));
        assertThat(d.unaccounted()).isEqualTo(CpuBandwidth.ZERO);
        assertThat(d.capacity()).isEqualTo(u(2 * 996147));
        assertThat(d.free()).isEqualTo(u(2 * 996147 - 104856));
        assertThat(s.leaked()).isFalse();
        assertThat(d.describe()).isEqualTo("CPUs 0-1: held 10.0% of 190.0% (servers 10.0%, 0 DEADLINE threads 0.0%, unaccounted 0.0%), free 180.0%");
    }

    @Test
    void leakedSampleShowsTheSleepingThreadsBandwidthAsUnaccounted() throws Exception {
        var perCpu = SchedDebugParser.parse(SchedDebugParserTest.sample("sched-debug-6.18-leaked-2ms-10ms.txt"));
        // the other tester's live 2ms/10ms thread was still there; ours had been switched back to OTHER
        var live = new DeadlineThread(7918, 7994, "vq-test-spin-0", R, R.bandwidth(), 1);
        LedgerSnapshot s = DeadlineLedger.assemble(perCpu, List.of(CpuList.parse("0-1")), fair(2), List.of(live), List.of());
        assertThat(s.domainOf(0).threadsTotal()).isEqualTo(u(209715));
        assertThat(s.domainOf(0).unaccounted()).isEqualTo(u(209715));
        assertThat(s.leaked()).isTrue();
        assertThat(s.leakedBandwidth()).isEqualTo(u(209715));
        assertThat(s.domainOf(0).describe()).contains("LEAKED");
        assertThat(s.domainOf(0).describeShortfall(Reservation.of(9, 10).bandwidth().times(2)))
                .contains("admission needs 180.0% more on CPUs 0-1 but only 140.0% of 190.0% is free")
                .contains("leaked 20.0%");
    }

    @Test
    void threadsAreChargedToTheDomainOfTheirCpuAndInconsistentCpusAreReported() {
        var perCpu = kernel(FAIR + R.bandwidth().kernelUnits(), FAIR + 5, FAIR);
        List<BitSet> doms = List.of(CpuList.parse("0"), CpuList.parse("1-2"));
        var t = new DeadlineThread(10, 11, "a b", R, R.bandwidth(), 0);
        LedgerSnapshot s = DeadlineLedger.assemble(perCpu, doms, fair(3), List.of(t), List.of());
        assertThat(s.domainOf(0).threads()).containsExactly(t);
        assertThat(s.domainOf(0).unaccounted()).isEqualTo(CpuBandwidth.ZERO);
        assertThat(s.domainOf(2).serversTotal()).isEqualTo(u(2 * FAIR));
        assertThat(s.domainOf(2).threads()).isEmpty();
        assertThat(s.warnings()).singleElement().asString().contains("CPU 2 prints total_bw 52428");
        assertThatThrownBy(() -> s.domainOf(7)).hasMessageContaining("online root domains: 0 | 1-2");
    }

    @Test
    void toleranceAbsorbsRoundingButNotALeak() {
        var d = new RootDomainLedger(List.of(0, 1), u(996147), u(2 * 996147), u(104856 + 3), u(104856), CpuBandwidth.ZERO, List.of());
        assertThat(d.defaultTolerance()).isEqualTo(u(4));
        assertThat(d.leaked(d.defaultTolerance())).isFalse();
        assertThat(d.leaked(u(2))).isTrue();
        var unlimited = new RootDomainLedger(List.of(0), u(-1), RootDomainLedger.UNLIMITED, u(10), u(10), CpuBandwidth.ZERO, List.of());
        assertThat(unlimited.free()).isEqualTo(RootDomainLedger.UNLIMITED);
        assertThat(unlimited.fits(u(Long.MAX_VALUE / 2))).isTrue();
        assertThat(unlimited.describe()).contains("of unlimited");
    }
}
