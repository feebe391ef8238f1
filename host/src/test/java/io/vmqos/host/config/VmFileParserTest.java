package io.vmqos.host.config;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.StageKind;
import io.vmqos.core.config.VmFile;
import io.vmqos.core.config.VmLocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A vm.yaml reads like one host.yaml {@code vms[]} entry plus its cost model, vCPUs and memory, as strictly. */
class VmFileParserTest {
    private final VmFileParser parser = new VmFileParser(KernelLimits.DEFAULT);
    @TempDir Path dir;

    private Path write(String yaml) throws IOException {
        Files.copy(HostConfigParserTest.DIR.resolve("costs.yaml"), dir.resolve("costs.yaml"));
        return Files.writeString(dir.resolve("vm.yaml"), yaml);
    }

    @Test
    void readsTheVmItsCostModelVcpusAndMemory() throws IOException {
        Path f = write("""
                name: web1
                costModel: costs.yaml
                vcpus: 4
                memoryMb: 8192
                sla:
                  rx: {rate: 2000pps, packetSize: 64, burst: 16, latency: 5ms}
                  tx: {rate: 20mbit, packetSize: 1500, burst: 8, latency: 5ms}
                reservations: {io: 1ms/10ms}
                """);
        VmFile v = parser.read(f);
        assertThat(v.vm().name()).isEqualTo("web1");
        assertThat(v.vm().locator()).isEqualTo(new VmLocator.Domain("web1"));
        assertThat(v.vm().rx()).isPresent();
        assertThat(v.vm().tx()).isPresent();
        assertThat(v.vm().explicit()).containsOnlyKeys(StageKind.IO);
        assertThat(v.costModelPath()).contains(dir.resolve("costs.yaml").toAbsolutePath().normalize().toString());
        assertThat(v.vcpus()).isEqualTo(4);
        assertThat(v.memoryMb()).isEqualTo(8192);
        assertThat(parser.parse(f)).isEqualTo(v.vm());
    }

    @Test
    void vcpusAndMemoryAreOptional() throws IOException {
        VmFile v = parser.read(write("name: db1\nreservations: {vcpu: 1ms/20ms}\n"));
        assertThat(v.vcpus()).isZero();
        assertThat(v.vcpuThreads()).isEqualTo(1);
        assertThat(v.memoryMb()).isZero();
        assertThat(v.costModelPath()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown key          | name: a\\nreservations: {vcpu: 1ms/10ms}\\nvcpu: 2\\n                        | 3:1  | vcpu       | did you mean 'vcpus'
            host-only key        | name: a\\nqmp: /run/a.qmp\\nreservations: {vcpu: 1ms/10ms}\\n              | 2:1  | qmp        | host.yaml
            reclaim is the host's| name: a\\nreclaim: true\\nreservations: {vcpu: 1ms/10ms}\\n                   | 2:1  | reclaim    | host.yaml
            bad vcpus            | name: a\\nvcpus: 0\\nreservations: {vcpu: 1ms/10ms}\\n                        | 2:8  | vcpus      | 1..1024
            vcpus not a number   | name: a\\nvcpus: four\\nreservations: {vcpu: 1ms/10ms}\\n                     | 2:8  | vcpus      | fix:
            bad memory           | name: a\\nmemoryMb: -1\\nreservations: {vcpu: 1ms/10ms}\\n                    | 2:11 | memoryMb   | 4096
            bad rate             | name: a\\ncostModel: costs.yaml\\nsla: {rx: {rate: -5pps, packetSize: 64, burst: 1, latency: 5ms}}\\n | 3:18 | sla.rx.rate | positive rate
            sla without a model  | name: a\\nsla: {rx: {rate: 5pps, packetSize: 64, burst: 1, latency: 5ms}}\\n  | 1:1  | needs sizing | costModel
            missing cost model   | name: a\\ncostModel: nope.yaml\\nreservations: {vcpu: 1ms/10ms}\\n              | 2:12 | costModel  | vmqos calibrate
            missing name         | reservations: {vcpu: 1ms/10ms}\\n                                             | 1:1  | name       | fix:
            """)
    void badFileIsRefusedNamingPlaceKeyAndFix(String what, String yaml, String place, String key, String fix) throws IOException {
        Path f = write(yaml.replace("\\n", "\n"));
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parser.read(f));
        assertThat(e).as(what).isNotNull();
        assertThat(e.getMessage()).as(what).contains("vm.yaml:" + place).contains(key).contains("fix:").contains(fix);
    }
}
