package io.vmqos.agent;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.StageKind;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmLocator;
import io.vmqos.host.config.DomainXmlParser;
import io.vmqos.host.config.HostConfigParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link LibvirtDomains} on a fake status directory. */
class LibvirtDomainsTest {
    @TempDir Path dir;
    final DomainXmlParser parser = new DomainXmlParser(KernelLimits.DEFAULT);
    final AtomicInteger parses = new AtomicInteger();
    LibvirtDomains domains() {
        return new LibvirtDomains(List.of(dir.resolve("qemu")), (xml, shown, costs) -> {
            parses.incrementAndGet();
            return parser.parse(xml, shown, costs);
        });
    }

    static String status(String name, int vcpus, String reservations) {
        return "<domstatus state='running' pid='1'><domain type='qemu'><name>" + name + "</name><vcpu>" + vcpus + "</vcpu><iothreads>2</iothreads>"
                + "<metadata><vmqos:vm xmlns:vmqos='" + DomainXmlParser.NAMESPACE + "'><vmqos:reservations " + reservations + "/></vmqos:vm></metadata>"
                + "</domain></domstatus>\n";
    }

    @Test
    void runningDomainsComeFromTheirStatusFilesReadOnlyWhenChanged() throws Exception {
        LibvirtDomains d = domains();
        assertThat(d.refresh(false, 0)).as("no directory yet: nothing").isFalse();
        Path q = Files.createDirectories(dir.resolve("qemu"));
        Files.writeString(q.resolve("web.xml"), status("web", 2, "vcpu='1ms/10ms'"));
        Files.writeString(q.resolve("plain.xml"), "<domstatus><domain><name>plain</name></domain></domstatus>");
        Files.writeString(q.resolve("web.pid"), "1");
        assertThat(d.refresh(false, 0)).isTrue();
        assertThat(d.domains()).containsOnlyKeys("web");
        assertThat(d.domains().get("web").vm().locator()).isEqualTo(new VmLocator.Domain("web"));
        assertThat(parses).as("a domain without vmqos metadata is not parsed").hasValue(1);
        assertThat(d.refresh(false, 1)).as("nothing changed").isFalse();
        assertThat(parses).as("unchanged files are not read again").hasValue(1);
        assertThat(LibvirtDomains.expected(d.domains())).isEqualTo(Map.of("web", Map.of(StageKind.VCPU, 2, StageKind.IO, 3)));

        Files.writeString(q.resolve("bad.xml"), status("bad", 1, "vcpu='20ms/10ms'"));
        assertThat(d.refresh(false, 2)).isFalse();
        assertThat(d.problems()).containsOnlyKeys("bad");
        assertThat(d.problems().get("bad")).contains("vmqos.reservations.vcpu");

        Files.delete(q.resolve("web.xml"));
        assertThat(d.refresh(false, 3)).isTrue();
        assertThat(d.domains()).isEmpty();
    }

    @Test
    void anAdmittedDomainIsCountedUntilItStartsIsReleasedOrExpires() throws Exception {
        LibvirtDomains d = domains();
        DomainXmlParser.Domain web = parser.parse(status("web", 1, "vcpu='1ms/10ms'"), "x", false).orElseThrow();
        d.announce(web, 0);
        assertThat(d.domains()).containsOnlyKeys("web");
        d.released("web");
        assertThat(d.domains()).isEmpty();
        d.announce(web, 0);
        assertThat(d.refresh(false, LibvirtDomains.PENDING_NANOS + 1)).as("expired").isTrue();
        assertThat(d.domains()).isEmpty();
    }

    @Test
    void theFilesVmsWinOverADomainOfTheSameNameOrLocator() throws Exception {
        Path f = dir.resolve("host.yaml");
        Files.writeString(f, "vms:\n  - name: db\n    domain: db-domain\n    reservations: {vcpu: 2ms/10ms}\n  - name: web\n    pid: 1\n    reservations: {vcpu: 2ms/10ms}\n");
        HostConfig file = new HostConfigParser(KernelLimits.DEFAULT).parse(f);
        Map<String, DomainXmlParser.Domain> ds = new java.util.TreeMap<>();
        for (String n : List.of("db-domain", "web", "other")) ds.put(n, parser.parse(status(n, 1, "vcpu='1ms/10ms'"), n, false).orElseThrow());
        HostConfig eff = LibvirtDomains.effective(file, ds);
        assertThat(eff.vms()).extracting(v -> v.name()).containsExactly("db", "web", "other");
        assertThat(eff.vm("web").orElseThrow().locator()).isEqualTo(new VmLocator.Pid(1));
        assertThat(LibvirtDomains.effective(file, Map.of())).isSameAs(file);
    }
}
