package io.vmqos.host.config;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageKind;
import io.vmqos.core.config.DirectionSla;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.config.VmLocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Every broken file under {@code broken/} is refused naming its place: its first line says
 * {@code # expect: LINE:COLUMN KEY}, and the message must carry the file name, that place, the key and a fix.
 */
class HostConfigParserTest {
    static final Path DIR = Path.of("src/test/resources/io/vmqos/host/config");
    private final HostConfigParser parser = new HostConfigParser(KernelLimits.DEFAULT);

    static Stream<Path> brokenFiles() throws IOException {
        try (Stream<Path> s = Files.list(DIR.resolve("broken"))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void thereAreAtLeastThirtyBrokenFiles() throws IOException {
        assertThat(brokenFiles().count()).isGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenFiles")
    void brokenFileIsRefusedNamingItsPlace(Path file) throws IOException {
        String first = Files.readAllLines(file).getFirst();
        assertThat(first).as("first line of %s", file).startsWith("# expect: ");
        String[] expect = first.substring("# expect: ".length()).strip().split(" ", 2);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parser.parse(file));
        assertThat(e).as("%s must be refused", file.getFileName()).isNotNull();
        assertThat(e.getMessage())
                .contains(file.getFileName().toString() + ":" + expect[0])
                .contains(expect[1])
                .contains("fix:");
        assertThat(e.file()).endsWith(file.getFileName().toString());
        assertThat(e.line() + ":" + e.column()).isEqualTo(expect[0]);
    }

    @Test
    void missingFileIsRefusedNamingIt() {
        Path nowhere = DIR.resolve("does-not-exist.yaml");
        assertThatThrownBy(() -> parser.parse(nowhere)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("does-not-exist.yaml").hasMessageContaining("does not exist").hasMessageContaining("fix:");
    }

    @Test
    void thePlacementKeyIsParsed() {
        HostConfig c = parser.parse(DIR.resolve("good/placement.yaml"));
        assertThat(c.placement()).hasValueSatisfying(p -> {
            assertThat(p.url()).isEqualTo("http://127.0.0.1:8778");
            assertThat(p.token()).contains("admin");
            assertThat(p.name()).contains("compute1");
        });
        assertThat(parser.parse(DIR.resolve("good/full.yaml")).placement()).isEmpty();
    }

    @Test
    void fullFileParsesEveryValue() {
        HostConfig c = parser.parse(DIR.resolve("good/full.yaml"));
        assertThat(c.host().cpus()).isEqualTo("0-1");
        assertThat(c.host().partitioned()).isFalse();
        assertThat(c.host().hostReserve()).isEqualTo(0.15);
        assertThat(c.host().nics()).containsExactly("eth0", "eth1");
        assertThat(c.costModelPath()).contains(DIR.resolve("costs.yaml").toAbsolutePath().normalize().toString());
        assertThat(c.overheadPerActivationNs()).isEqualTo(4_000);
        assertThat(c.vms()).extracting(VmConfig::name).containsExactly("web1", "db1", "mail");

        VmConfig web = c.vms().get(0);
        assertThat(web.locator()).isEqualTo(new VmLocator.Qmp("/run/web1.qmp"));
        DirectionSla rx = web.rx().orElseThrow(), tx = web.tx().orElseThrow();
        assertThat(rx).isEqualTo(new DirectionSla(new DirectionSla.PacketsPerSecond(2000), 64, 16, 5_000_000));
        assertThat(tx).isEqualTo(new DirectionSla(new DirectionSla.BitsPerSecond(20_000_000), 1500, 8, 4_000_000));
        assertThat(tx.ratePps()).isEqualTo(1667); // 20 Mbit/s in 1500-byte frames, rounded up
        // both directions on the same threads: rates and bursts add, tightest latency, largest packet
        assertThat(web.sizingSla()).contains(new NetworkSla(3667, 1500, 24, 4_000_000));
        assertThat(web.explicit()).containsEntry(StageKind.VCPU, Reservation.of(2_000_000, 10_000_000))
                .containsEntry(StageKind.IO, new Reservation(1_000_000, 5_000_000, 10_000_000)).hasSize(2);
        assertThat(web.shaping().orElseThrow().rateBits()).isEqualTo(100_000_000);
        assertThat(web.shaping().orElseThrow().ceilBits()).isEqualTo(200_000_000);
        assertThat(web.shaping().orElseThrow().burstBytes()).isEqualTo(15 * 1024);

        VmConfig db = c.vms().get(1);
        assertThat(db.locator()).isEqualTo(new VmLocator.Pid(4242));
        assertThat(db.rx()).isEmpty();
        assertThat(db.sizingSla()).contains(new NetworkSla(1000, 512, 4, 20_000_000));
        assertThat(db.explicit()).isEmpty();
        assertThat(db.shaping()).isEmpty();
        assertThat(db.adaptive()).isTrue();
        assertThat(db.costModelPath()).contains(DIR.resolve("costs.yaml").toAbsolutePath().normalize().toString());
        assertThat(web.adaptive()).isFalse();
        assertThat(web.costModelPath()).isEmpty();

        VmConfig mail = c.vms().get(2);
        assertThat(mail.locator()).isEqualTo(new VmLocator.Domain("mail-vm"));
        assertThat(mail.hasSla()).isFalse();
        assertThat(mail.explicit()).containsOnlyKeys(StageKind.VCPU);
    }

    @Test
    void noVmsYetIsAHostThatHoldsNothing(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("host.yaml");
        java.nio.file.Files.writeString(f, "# what the package installs\nvms: []\n");
        assertThat(parser.parse(f).vms()).isEmpty();
    }

    @Test
    void reclaimAndItsCeiling(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path f = tmp.resolve("h.yaml");
        Files.writeString(f, "vms:\n  - name: a\n    pid: 1\n    reservations: {vcpu: 1ms/10ms}\n    reclaim: true\n    reclaimCeiling: 40%\n"
                + "  - name: b\n    pid: 2\n    reservations: {vcpu: 1ms/10ms}\n    reclaim: true\n  - name: c\n    pid: 3\n    reservations: {vcpu: 1ms/10ms}\n");
        var cfg = parser.parse(f);
        assertThat(cfg.vm("a").orElseThrow().reclaim()).isTrue();
        assertThat(cfg.vm("a").orElseThrow().ceilingCpus(0.1)).isEqualTo(0.4);
        assertThat(cfg.vm("a").orElseThrow().ceilingCpus(0.5)).as("never below the reservation").isEqualTo(0.5);
        assertThat(cfg.vm("b").orElseThrow().ceilingCpus(0.1)).as("default: twice the reservation").isEqualTo(0.2);
        assertThat(cfg.vm("b").orElseThrow().ceilingCpus(0.7)).as("at most one CPU").isEqualTo(1.0);
        assertThat(cfg.vm("c").orElseThrow().reclaim()).isFalse();
    }

    @Test
    void minimalFileTakesDefaults() {
        Path f = DIR.resolve("good/minimal.yaml");
        HostConfig c = parser.parse(f);
        assertThat(c.host().allCpus()).isTrue();
        assertThat(c.host().hostReserve()).isEqualTo(0.10);
        assertThat(c.host().partitioned()).isFalse();
        assertThat(c.host().nics()).isEmpty();
        assertThat(c.costModelPath()).isEmpty();
        assertThat(c.overheadPerActivationNs()).isEqualTo(HostConfig.DEFAULT_OVERHEAD_NS);
        // a relative QMP path is taken from the file's directory
        assertThat(c.vms().getFirst().locator()).isEqualTo(new VmLocator.Qmp(f.toAbsolutePath().getParent().resolve("vm1.qmp").toString()));
    }

    @Test
    void kernelLimitsComeFromTheCaller() {
        // 1ms/10ms is fine by default but below a kernel minimum period of 20 ms
        HostConfigParser strict = new HostConfigParser(new KernelLimits(20_000_000L, KernelLimits.DEFAULT.periodMaxNs()));
        assertThatThrownBy(() -> strict.parse(DIR.resolve("good/minimal.yaml"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("minimal.yaml:4:").hasMessageContaining("vms[0].reservations.vcpu period").hasMessageContaining("fix:");
    }

    @Test
    void nearestKeySuggestion() {
        assertThat(Located.nearest("latncy", List.of("rate", "latency"))).isEqualTo("latency");
        assertThat(Located.nearest("zzzzzz", List.of("rate", "latency"))).isNull();
    }
}
