package io.vmqos.linux;

import io.vmqos.core.CpuBandwidth;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SortedMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchedDebugParserTest {

    static String sample(String name) throws IOException {
        try (InputStream in = SchedDebugParserTest.class.getResourceAsStream(name)) {
            assertThat(in).as("test resource " + name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void idleSampleOfThisMachineHasTwoCpusWithOnlyTheFairServers() throws IOException {
        SortedMap<Integer, CpuDlBandwidth> m = SchedDebugParser.parse(sample("sched-debug-6.18-idle.txt"));
        assertThat(m).containsOnlyKeys(0, 1);
        assertThat(m.get(0)).isEqualTo(dl(0, 996147, 104856));
        assertThat(m.get(1)).isEqualTo(dl(1, 996147, 104856));
    }

    @Test
    void sampleWithDeadlineThreadsAndWithLeakParse() throws IOException {
        // captured while another tester held one 2ms/10ms thread and this one a second: 104856 + 2 * 209715
        assertThat(SchedDebugParser.parse(sample("sched-debug-6.18-one-dl-2ms-10ms.txt")).get(1).totalBw().kernelUnits()).isEqualTo(524286);
        // after chrt -o on the sleeping 2ms/10ms thread: the kernel still counts it
        assertThat(SchedDebugParser.parse(sample("sched-debug-6.18-leaked-2ms-10ms.txt")).get(0).totalBw().kernelUnits()).isEqualTo(524286);
    }

    @Test
    void blockEndsAtTheNextHeaderEvenWithoutBlankLine() {
        String text = """
                dl_rq[3]:
                  .dl_nr_running                 : 1
                  .dl_bw->bw                     : -1
                  .dl_bw->total_bw               : 7
                dl_rq[4]:
                  .dl_bw->bw                     : 996147
                  .dl_bw->total_bw               : 52428
                """;
        var m = SchedDebugParser.parse(text);
        assertThat(m.get(3)).isEqualTo(dl(3, -1, 7));
        assertThat(m.get(4)).isEqualTo(dl(4, 996147, 52428));
    }

    @Test
    void refusesTextWithoutLedger() {
        assertThatThrownBy(() -> SchedDebugParser.parse("cpu#0\n  .nr_running : 1\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no dl_rq[N] block");
        assertThatThrownBy(() -> SchedDebugParser.parse("dl_rq[0]:\n  .dl_bw->bw : 1\n\n"))
                .hasMessageContaining("lacks .dl_bw->total_bw");
        assertThatThrownBy(() -> SchedDebugParser.parse("dl_rq[0]:\n  .dl_bw->bw : x\n"))
                .hasMessageContaining("no integer value");
    }

    /** The block of CPU {@code cpu} as the kernel prints it, in kernel units. */
    static CpuDlBandwidth dl(int cpu, long bw, long total) {
        return new CpuDlBandwidth(cpu, CpuBandwidth.ofKernelUnits(bw), CpuBandwidth.ofKernelUnits(total));
    }
}
