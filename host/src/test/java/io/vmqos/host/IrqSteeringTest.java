package io.vmqos.host;

import io.vmqos.core.net.DeviceKind;
import io.vmqos.core.net.Irq;
import io.vmqos.core.net.NetDevice;
import io.vmqos.linux.net.Interrupts;
import io.vmqos.linux.net.IrqAffinityException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * IRQ steering over a fake {@code /proc/irq} (this machine's lab has no NIC on a VM path, and moving the host's own
 * NIC IRQs in a test would disturb the machine): which IRQs move, what is recorded, how a refusal midway leaves
 * exactly the earlier moves to put back.
 */
class IrqSteeringTest {
    @TempDir Path proc;

    private Interrupts irqs(int... numbers) throws Exception {
        for (int n : numbers) {
            Files.createDirectories(proc.resolve("irq/" + n));
            Files.writeString(proc.resolve("irq/" + n + "/smp_affinity_list"), "0-3\n");
        }
        return new Interrupts(proc);
    }

    private String affinity(int n) throws Exception { return Files.readString(proc.resolve("irq/" + n + "/smp_affinity_list")).strip(); }

    private static NetDevice nic(String name, Irq... irqs) {
        return new NetDevice(name, DeviceKind.PHYSICAL, null, true, List.of(), List.of(irqs));
    }

    private static BitSet cpus(int... c) {
        BitSet b = new BitSet();
        for (int x : c) b.set(x);
        return b;
    }

    @Test
    void movesIrqsAllowedOutsideTheVmsCpusAndPutsThemBack() throws Exception {
        Interrupts in = irqs(30, 31, 32);
        Files.writeString(proc.resolve("irq/32/smp_affinity_list"), "2\n"); // already inside the VM's CPUs
        List<NetDevice> path = List.of(nic("eth0", new Irq(30, "eth0-rx-0", "0-3", Optional.empty()), new Irq(31, "eth0-tx-0", "0-3", Optional.empty()),
                new Irq(32, "eth0-rx-1", "2", Optional.empty())), nic("eth0-again", new Irq(30, "eth0-rx-0", "0-3", Optional.empty())));
        List<PathState.IrqRecord> moved = new ArrayList<>();
        IrqSteering s = new IrqSteering(in);
        s.steer(path, cpus(2, 3), Set.of(31), moved); // 31 is another VM's record already
        assertThat(moved).containsExactly(new PathState.IrqRecord(30, "eth0-rx-0", "eth0", null, "0-3", "2-3"));
        assertThat(affinity(30)).isEqualTo("2-3");
        assertThat(affinity(31)).isEqualTo("0-3");
        assertThat(affinity(32)).isEqualTo("2");
        s.putBack(moved.get(0));
        assertThat(affinity(30)).isEqualTo("0-3");
        s.putBack(moved.get(0)); // idempotent
        assertThat(affinity(30)).isEqualTo("0-3");
    }

    @Test
    void aRefusedMoveNamesTheIrqAndKeepsTheEarlierMovesForRollback() throws Exception {
        Interrupts in = irqs(40);
        Files.createDirectories(proc.resolve("irq/41/smp_affinity_list")); // a directory: the write fails, like a managed IRQ's EIO
        List<NetDevice> path = List.of(nic("eth1", new Irq(40, "eth1-0", "0-3", Optional.empty()), new Irq(41, "eth1-1", "0-3", Optional.empty())));
        List<PathState.IrqRecord> moved = new ArrayList<>();
        IrqSteering s = new IrqSteering(in);
        assertThatThrownBy(() -> s.steer(path, cpus(1), Set.of(), moved))
                .isInstanceOf(IrqAffinityException.class)
                .hasMessageContaining("cannot move IRQ 41 to CPUs 1").hasMessageContaining("fix:");
        assertThat(moved).extracting(PathState.IrqRecord::irq).containsExactly(40);
        for (PathState.IrqRecord r : moved.reversed()) s.putBack(r);
        assertThat(affinity(40)).isEqualTo("0-3");
    }

    @Test
    void noCpusKnownMovesNothing() throws Exception {
        Interrupts in = irqs(50);
        List<PathState.IrqRecord> moved = new ArrayList<>();
        new IrqSteering(in).steer(List.of(nic("eth2", new Irq(50, "eth2", "0-3", Optional.empty()))), new BitSet(), Set.of(), moved);
        assertThat(moved).isEmpty();
        assertThat(affinity(50)).isEqualTo("0-3");
    }
}
