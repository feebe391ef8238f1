package io.vmqos.host.fleet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class ConsumerIdsTest {
    @TempDir Path dir;

    @Test
    void libvirtsUuidThenQemusThenADerivedOne() throws Exception {
        Path libvirt = Files.createDirectories(dir.resolve("libvirt"));
        Path proc = Files.createDirectories(dir.resolve("proc/42"));
        UUID domain = UUID.fromString("6f1c0b4e-8d1a-4f3e-9c2b-1a2b3c4d5e6f");
        Files.writeString(libvirt.resolve("web.xml"), "<domstatus><domain type='kvm'><name>web</name><uuid>" + domain + "</uuid></domain></domstatus>");
        UUID qemu = UUID.fromString("0a0b0c0d-0000-4000-8000-000000000001");
        Files.write(proc.resolve("cmdline"), ("qemu-system-x86_64\0-name\0db\0-uuid\0" + qemu + "\0").getBytes());
        ConsumerIds ids = new ConsumerIds(libvirt, dir.resolve("proc"));

        assertThat(ids.of("h1", "web", 42)).isEqualTo(domain);
        assertThat(ids.of("h1", "db", 42)).isEqualTo(qemu);
        assertThat(ids.of("h1", "db", 0)).isEqualTo(ConsumerIds.derived("h1", "db")).isEqualTo(ids.of("h1", "db", 0));
        assertThat(ConsumerIds.derived("h1", "db")).isNotEqualTo(ConsumerIds.derived("h2", "db"));
        Files.write(proc.resolve("cmdline"), ("qemu\0-uuid\0" + new UUID(0, 0) + "\0").getBytes());
        assertThat(ids.of("h1", "db", 42)).isEqualTo(ConsumerIds.derived("h1", "db"));
    }
}
