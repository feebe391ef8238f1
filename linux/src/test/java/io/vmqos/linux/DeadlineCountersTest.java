package io.vmqos.linux;

import io.vmqos.core.CpuBandwidth;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-CPU counters: grouping by printed value, and confirming a known change without the cpuset tree. */
class DeadlineCountersTest {
    private static DeadlineCounters of(long... totals) {
        TreeMap<Integer, CpuDlBandwidth> m = new TreeMap<>();
        for (int c = 0; c < totals.length; c++) m.put(c, new CpuDlBandwidth(c, CpuBandwidth.ofKernelUnits(996147), CpuBandwidth.ofKernelUnits(totals[c])));
        return new DeadlineCounters(m);
    }

    @Test
    void oneRootDomainIsOneGroupAndConfirmsExactlyItsChange() {
        DeadlineCounters before = of(600_000, 600_000);
        assertThat(before.oneGroup()).isTrue();
        assertThat(before.movedBy(of(495_143, 495_143), Map.of(-1, -104_857L), 0)).isTrue();
        assertThat(before.movedBy(of(600_000, 600_000), Map.of(-1, -104_857L), 0)).as("leaked: nothing moved").isFalse();
        assertThat(before.movedBy(of(495_143, 495_144), Map.of(-1, -104_857L), 0)).isFalse();
        assertThat(before.movedBy(of(495_143, 495_144), Map.of(-1, -104_857L), 2)).as("within tolerance").isTrue();
    }

    @Test
    void severalDomainsAreToldApartByWhatTheyPrint() {
        DeadlineCounters before = of(100, 100, 900, 900);
        assertThat(before.oneGroup()).isFalse();
        assertThat(before.groupOf(1)).containsExactly(0, 1);
        assertThat(before.groupOf(3)).containsExactly(2, 3);
        assertThat(before.movedBy(of(100, 100, 400, 400), Map.of(2, -500L), 0)).isTrue();
        assertThat(before.movedBy(of(100, 100, 400, 400), Map.of(0, -500L), 0)).as("the other domain moved").isFalse();
        assertThat(before.movedBy(of(100, 100, 400, 400), Map.of(-1, -500L), 0)).as("unknown CPU").isFalse();
    }

    @Test
    void twoDomainsPrintingTheSameValueNeverConfirmAChangeOnlyOneMade() {
        DeadlineCounters before = of(500, 500, 500, 500); // {0,1} and {2,3} with equal counters look like one group
        assertThat(before.oneGroup()).isTrue();
        assertThat(before.movedBy(of(500, 500, 300, 300), Map.of(-1, -200L), 0)).isFalse();
        assertThat(before.movedBy(of(300, 300, 300, 300), Map.of(-1, -200L), 0)).isTrue(); // what one domain would print
    }

    @Test
    void aCpuThatCameOrWentIsNoConfirmation() {
        assertThat(of(100, 100).movedBy(of(100), Map.of(), 0)).isFalse();
    }
}
