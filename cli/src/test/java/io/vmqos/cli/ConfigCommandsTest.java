package io.vmqos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.SchedException;
import io.vmqos.qemu.QemuFixture;
import io.vmqos.qemu.VmDiscovery;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.Root;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** {@code vmqos plan|apply|release -f} end to end on the real kernel, with a real (paused, TCG) QEMU. */
@ExtendWith(HostGuard.class)
class ConfigCommandsTest extends io.vmqos.testing.CliTestSupport {
    private static final Path BROKEN = Path.of("../host/src/test/resources/io/vmqos/host/config/broken");
    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    @TempDir Path dir;

    @BeforeEach
    void root() { Root.assumeDeadlineCapable(); }


    private List<Integer> deadlineThreadsOfThisJvm() {
        List<Integer> dl = new ArrayList<>();
        for (int tid : new io.vmqos.linux.ProcFs().threadsOf((int) ProcessHandle.current().pid())) {
            try {
                if (sched.get(tid).isDeadline()) dl.add(tid);
            } catch (SchedException.ThreadGone gone) {
                // exited
            }
        }
        return dl;
    }

    @Test
    void brokenFilesExitTwoNamingThePlaceAndChangeNothing() throws Exception {
        for (String name : List.of("rate-negative.yaml", "two-locators.yaml", "yaml-syntax-error.yaml", "cost-model-missing.yaml")) {
            Path f = BROKEN.resolve(name);
            String where = Files.readAllLines(f).getFirst().substring("# expect: ".length()).split(" ")[0];
            for (String cmd : List.of("apply", "plan", "release")) {
                assertThat(run(cmd, "-f", f.toString())).as(cmd + " " + name + ": " + err).isEqualTo(Main.USAGE);
                assertThat(err).contains(name + ":" + where).contains("fix:");
            }
        }
        assertThat(run("apply", "-f", dir.resolve("missing.yaml").toString())).isEqualTo(Main.USAGE);
        assertThat(err).contains("missing.yaml").contains("does not exist");
        assertThat(deadlineThreadsOfThisJvm()).isEmpty();
    }

    @Test
    void releaseFileAndThreadsAreExclusive() throws Exception {
        Path f = dir.resolve("host.yaml");
        Files.writeString(f, "vms:\n  - {name: a, pid: 1, reservations: {vcpu: 1ms/10ms}}\n");
        assertThat(run("release", "-f", f.toString(), "--tid", "1")).isEqualTo(Main.USAGE);
        assertThat(err).contains("either -f");
    }

    @Test
    void planExplainsARefusalAndExitsOne() throws Exception {
        Path costs = dir.resolve("costs.yaml");
        Files.writeString(costs, "stages:\n  io: {perPacketNs: 2000, perByteNs: 0.25}\n  vcpu: {perPacketNs: 3000, perByteNs: 0.5}\n");
        Path f = dir.resolve("host.yaml");
        Files.writeString(f, """
                costModel: costs.yaml
                vms:
                  - name: small
                    qmp: vqconfig-none-small.qmp
                    sla: {rx: {rate: 1000pps, packetSize: 64, burst: 4, latency: 20ms}}
                  - name: huge
                    qmp: vqconfig-none-huge.qmp
                    sla: {rx: {rate: 400kpps, packetSize: 1500, burst: 16, latency: 20ms}}
                """);
        assertThat(run("plan", "-f", f.toString())).as(err).isEqualTo(Main.REFUSED);
        assertThat(out).contains("VM small").contains("admitted").contains("delay bound")
                .contains("VM huge").contains("REFUSED").contains("would fit: at most").contains("root domain").contains("left");
        assertThat(run("plan", "-f", f.toString(), "--json")).isEqualTo(Main.REFUSED);
        JsonNode j = new ObjectMapper().readTree(out);
        assertThat(j.get("admitted").asBoolean()).isFalse();
        assertThat(j.get("refusals").get(0).get("vm").asText()).isEqualTo("huge");
        assertThat(j.get("refusals").get(0).get("largestRatePps").asLong()).isPositive().isLessThan(400_000);
        assertThat(j.get("vms").get(0).get("stages").size()).isEqualTo(2);
        // deterministic
        String first = out;
        run("plan", "-f", f.toString(), "--json");
        assertThat(out).isEqualTo(first);
        // apply refuses everything
        assertThat(run("apply", "-f", f.toString())).isEqualTo(Main.REFUSED);
        assertThat(out).contains("nothing changed");
    }

    @Test
    void applyAndReleaseARealQemuFromItsConfig() throws Exception {
        assumeThat(QemuFixture.available()).as("qemu-system-x86_64 not installed (apt-get install qemu-system-x86)").isTrue();
        QemuFixture qemu = QemuFixture.start("vqconfig-vm", true);
        try {
            Path f = dir.resolve("host.yaml");
            Files.writeString(f, "vms:\n  - name: vqconfig-vm\n    qmp: " + qemu.socket + "\n    reservations: {vcpu: 500us/10ms, io: 400us/10ms}\n");
            assertThat(run("plan", "-f", f.toString())).as(err + out).isZero();
            assertThat(out).contains("vcpu   500us/10ms").contains("delay bound n/a");

            assertThat(run("apply", "-f", f.toString())).as(err + out).isZero();
            VmThreads vm = VmDiscovery.viaQmp(qemu.socket);
            int expected = 0;
            for (VmThread t : vm.threads()) {
                SchedAttributes a = sched.get(t.tid());
                switch (t.role()) {
                    case VCPU -> { assertThat(a.describe()).isEqualTo("DEADLINE 500us/10ms"); expected++; }
                    case MAIN_LOOP, IOTHREAD, VHOST -> { assertThat(a.describe()).isEqualTo("DEADLINE 400us/10ms"); expected++; }
                    case OTHER -> assertThat(a.isDeadline()).isFalse();
                }
            }
            assertThat(vm.of(ThreadRole.VCPU)).hasSize(2);
            assertThat(out).contains("reserved " + expected + " thread(s)");

            assertThat(run("apply", "-f", f.toString())).as(err).isZero();
            assertThat(out).contains("reserved 0 thread(s) (already as asked)");

            assertThat(run("release", "-f", f.toString())).as(err).isZero();
            assertThat(out).contains("released " + expected + " thread(s)");
            for (VmThread t : vm.threads()) assertThat(sched.get(t.tid()).policy()).isEqualTo(SchedPolicy.OTHER);
            assertThat(run("release", "-f", f.toString(), "--json")).isZero();
            assertThat(new ObjectMapper().readTree(out).get("changed").asLong()).isZero();
        } finally {
            // make sure nothing stays reserved even when an assertion failed midway
            run("release", "-f", dir.resolve("host.yaml").toString());
            qemu.close();
        }
    }
}
