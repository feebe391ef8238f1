package io.vmqos.linux.net;

import io.vmqos.core.net.KernelThread;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Pure parsing: comm truncation, /proc/interrupts, tc class text and JSON. */
class ParsersTest {
    @Test
    void napiCommMatchingRespectsTruncation() {
        assertThat(KernelThreads.isNapiThreadOf("napi/eth0-8193", "eth0")).isTrue();
        assertThat(KernelThreads.isNapiThreadOf("napi/eth0-8193", "eth")).isFalse();
        assertThat(KernelThreads.isNapiThreadOf("napi/eth01-8193", "eth0")).isFalse();
        assertThat(KernelThreads.isNapiThreadOf("napi/eth0-x", "eth0")).isFalse();
        // "napi/vqnetveth0-" is 16 chars: the kernel keeps 15, the id is lost entirely
        assertThat(KernelThreads.isNapiThreadOf("napi/vqnetveth0", "vqnetveth0")).isTrue();
        assertThat(KernelThreads.isNapiThreadOf("napi/vqnetveth0", "vqnetveth01")).isTrue(); // indistinguishable
        assertThat(KernelThreads.isNapiThreadOf("napi/vqnetveth0", "vqnetveth")).isFalse(); // "napi/vqnetveth-" differs
        // 9-char device: prefix is 15 chars exactly, id cut off
        assertThat(KernelThreads.isNapiThreadOf("napi/vqnetvth0-", "vqnetvth0")).isTrue();
        // 8-char device: one digit of the id survives
        assertThat(KernelThreads.isNapiThreadOf("napi/vqnetvt0-8", "vqnetvt0")).isTrue();
        // kernels that show a kthread's full name in comm (6.18 does)
        assertThat(KernelThreads.isNapiThreadOf("napi/vqb-pq1234-318", "vqb-pq1234")).isTrue();
        assertThat(KernelThreads.isNapiThreadOf("napi/vqb-pq1234-318", "vqb-pq123")).isFalse();
        assertThat(KernelThreads.isNapiThreadOf("napi/vqb-pq1234-31x", "vqb-pq1234")).isFalse();
    }

    @Test
    void scansFakeProcForKernelThreads(@TempDir Path proc) throws IOException {
        comm(proc, 10, "napi/eth0-8193", true);
        comm(proc, 11, "napi/eth0-8194", true);
        comm(proc, 12, "napi/eth0-8195", false); // a user process pretending
        comm(proc, 13, "irq/38-virtio2-input.0", true);
        comm(proc, 14, "irq/38-s-virtio2", true);
        Files.createDirectories(proc.resolve("self"));
        KernelThreads kt = new KernelThreads(proc);
        assertThat(kt.napiThreads("eth0")).extracting(KernelThread::pid).containsExactly(10, 11);
        assertThat(kt.irqThread(38)).get().extracting(KernelThread::pid).isEqualTo(13);
        assertThat(kt.irqThread(3)).isEmpty();
    }

    private static void comm(Path proc, int pid, String comm, boolean kthread) throws IOException {
        Path d = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(d.resolve("comm"), comm.substring(0, Math.min(15, comm.length())) + "\n");
        long flags = kthread ? 0x00208040L : 0x00400100L;
        Files.writeString(d.resolve("stat"), pid + " (" + comm + ") S 2 0 0 0 -1 " + flags + " 0 0 0 0 0 0\n");
    }

    @Test
    void parsesProcInterrupts() {
        String text = """
                           CPU0       CPU1      \s
                  24:          1          0  IO-APIC   5-edge      ACPI:Ged
                  38:          0        569 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0
                  39:        601          0 PCI-MSIX-0000:00:03.0   2-edge      virtio2-output.0
                  50:          0          0 PCI-MSIX-0000:00:07.0   0-edge      eth1-TxRx-0, eth1-extra
                 NMI:          0          0   Non-maskable interrupts
                """;
        Map<Integer, List<String>> a = Interrupts.parse(text);
        assertThat(a.get(24)).containsExactly("ACPI:Ged");
        assertThat(a.get(38)).containsExactly("virtio2-input.0");
        assertThat(a.get(50)).containsExactly("eth1-TxRx-0", "eth1-extra");
        assertThat(a).doesNotContainKey(-1).hasSize(4);
        assertThat(Interrupts.belongsTo("virtio2-input.0", "virtio2")).isTrue();
        assertThat(Interrupts.belongsTo("virtio20-input.0", "virtio2")).isFalse();
        assertThat(Interrupts.belongsTo("eth1-TxRx-0", "eth1")).isTrue();
        assertThat(Interrupts.belongsTo("eth1", "eth1")).isTrue();
    }

    @Test
    void parsesTcClassText() {
        String text = """
                class htb 1:1 root rate 1Gbit ceil 1Gbit burst 15Kb cburst 1375b\s
                 Sent 100 bytes 2 pkt (dropped 0, overlimits 0 requeues 0)\s
                 backlog 0b 0p requeues 0
                 lended: 0 borrowed: 0 giants: 0
                 tokens: 19187 ctokens: 187

                class htb 1:10 parent 1:1 leaf 10: prio 0 rate 100Mbit ceil 1Gbit burst 15337b cburst 15337b\s
                 Sent 123456 bytes 99 pkt (dropped 7, overlimits 42 requeues 0)\s
                 rate 8200Kbit 700pps backlog 0b 0p requeues 0
                 lended: 99 borrowed: 0 giants: 0
                 tokens: 19187 ctokens: 187
                """;
        List<ClassStats> cs = ShapingStats.parseClasses(text);
        assertThat(cs).hasSize(2);
        assertThat(cs.get(0).parent()).isEqualTo("root");
        assertThat(cs.get(0).burstBytes()).isEqualTo(15 * 1024);
        ClassStats c = cs.get(1);
        assertThat(c.classId()).isEqualTo("1:10");
        assertThat(c.parent()).isEqualTo("1:1");
        assertThat(c.rateBits()).isEqualTo(100_000_000L);
        assertThat(c.ceilBits()).isEqualTo(1_000_000_000L);
        assertThat(c.burstBytes()).isEqualTo(15337);
        assertThat(c.bytes()).isEqualTo(123456);
        assertThat(c.packets()).isEqualTo(99);
        assertThat(c.drops()).isEqualTo(7);
        assertThat(c.overlimits()).isEqualTo(42);
        assertThat(c.rateEstimateBits()).isEqualTo(8_200_000L);
    }

    @Test
    void parsesTcClassJsonInBytesPerSecond() {
        String json = """
                [{"class":"htb","handle":"1:10","parent":"1:1","leaf":"10:","prio":0,"rate":12500000,"ceil":125000000,
                  "burst":15337,"cburst":15337,"bytes":5,"packets":1,"drops":2,"overlimits":3,"requeues":0}]
                """;
        ClassStats c = ShapingStats.parseClasses(json).getFirst();
        assertThat(c.rateBits()).isEqualTo(100_000_000L);
        assertThat(c.ceilBits()).isEqualTo(1_000_000_000L);
        assertThat(c.drops()).isEqualTo(2);
        assertThat(c.kind()).isEqualTo("htb");
    }

    @Test
    void knownErrorsGiveFixes() {
        assertThat(KnownErrors.fixFor(List.of("tc"), "Error: Exclusivity flag on, cannot modify.")).contains("qdisc del");
        assertThat(KnownErrors.fixFor(List.of("tc"), "Error: Specified qdisc kind is unknown.")).contains("modprobe");
        assertThat(KnownErrors.fixFor(List.of("ip"), "Cannot open network namespace \"x\"")).contains("ip netns add");
        assertThat(KnownErrors.fixFor(List.of("tee", "/sys/x"), "tee: /sys/x: No such file or directory")).contains("sysfs");
    }
}
