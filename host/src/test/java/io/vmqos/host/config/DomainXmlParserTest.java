package io.vmqos.host.config;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.StageKind;
import io.vmqos.core.config.VmLocator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DomainXmlParserTest {
    private final DomainXmlParser parser = new DomainXmlParser(KernelLimits.DEFAULT);

    static String domain(String metadata) {
        return """
                <domain type='qemu'>
                  <name>web1</name>
                  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>
                  <memory unit='MiB'>256</memory>
                  <vcpu placement='static' current='2'>4</vcpu>
                  <iothreads>1</iothreads>
                  <metadata>
                    <other:thing xmlns:other="http://example.org/x"><other:sla>ignored</other:sla></other:thing>
                """ + metadata + """
                  </metadata>
                  <os><type>hvm</type></os>
                </domain>
                """;
    }

    @Test
    void metadataGivesTheSameVmAsHostYamlWould() {
        String xml = domain("""
                    <vmqos:vm xmlns:vmqos="http://vmqos.io/xmlns/libvirt/1">
                      <vmqos:sla><vmqos:rx rate="2000pps" packetSize="64" burst="16" latency="5ms"/></vmqos:sla>
                      <vmqos:reservations vcpu="2ms/10ms"><vmqos:io>1ms/10ms</vmqos:io></vmqos:reservations>
                      <vmqos:shaping rate="100mbit"/>
                    </vmqos:vm>
                """);
        DomainXmlParser.Domain d = parser.parse(xml, "web1.xml", false).orElseThrow();
        assertThat(d.vm().name()).isEqualTo("web1");
        assertThat(d.vm().locator()).isEqualTo(new VmLocator.Domain("web1"));
        assertThat(d.vm().rx().orElseThrow().ratePps()).isEqualTo(2000);
        assertThat(d.vm().rx().orElseThrow().latencyBoundNs()).isEqualTo(5_000_000);
        assertThat(d.vm().tx()).isEmpty();
        assertThat(d.vm().explicit().get(StageKind.VCPU).runtimeNs()).isEqualTo(2_000_000);
        assertThat(d.vm().explicit().get(StageKind.IO).periodNs()).isEqualTo(10_000_000);
        assertThat(d.vm().shaping()).isPresent();
        assertThat(d.uuid()).isEqualTo("4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
        assertThat(d.vcpus()).isEqualTo(2);
        assertThat(d.iothreads()).isEqualTo(1);
    }

    @Test
    void libvirtsStatusDocumentIsReadToo() {
        String xml = "<domstatus state='running' reason='booted' pid='1234'>\n<monitor path='/x'/>\n"
                + domain("<vmqos:vm xmlns:vmqos='http://vmqos.io/xmlns/libvirt/1'><vmqos:reservations vcpu='1ms/10ms'/></vmqos:vm>")
                + "</domstatus>\n";
        assertThat(parser.parse(xml, "s.xml", false).orElseThrow().vm().explicit()).containsKey(StageKind.VCPU);
    }

    @Test
    void aDomainWithoutVmqosMetadataIsNotOurs() {
        assertThat(parser.parse(domain(""), "x", false)).isEmpty();
        assertThat(parser.parse("<domain><name>a</name></domain>", "x", false)).isEmpty();
        // the right element name in another namespace is not ours either
        assertThat(parser.parse(domain("<vm xmlns='http://example.org/vm'><sla/></vm>"), "x", false)).isEmpty();
    }

    @Test
    void badMetadataNamesTheKeyThePlaceAndTheFix() {
        assertThatThrownBy(() -> parser.parse(domain("""
                    <vmqos:vm xmlns:vmqos="http://vmqos.io/xmlns/libvirt/1">
                      <vmqos:sla><vmqos:rx rate="2000 parsecs" packetSize="64" burst="16" latency="5ms"/></vmqos:sla>
                    </vmqos:vm>
                """), "web1.xml", true))
                .isInstanceOf(ConfigException.class).hasMessageContaining("web1.xml:10:").hasMessageContaining("vmqos.sla.rx.rate");
        assertThatThrownBy(() -> parser.parse(domain("<vmqos:vm xmlns:vmqos='http://vmqos.io/xmlns/libvirt/1'><vmqos:sla><vmqos:rx rate='1pps'/></vmqos:sla>"
                + "<vmqos:reservatoins vcpu='1ms/10ms'/></vmqos:vm>"), "d", true))
                .isInstanceOf(ConfigException.class).hasMessageContaining("vmqos.reservatoins").hasMessageContaining("did you mean 'reservations'");
        assertThatThrownBy(() -> parser.parse(domain("<vmqos:vm xmlns:vmqos='http://vmqos.io/xmlns/libvirt/1'><vmqos:qmp>/x</vmqos:qmp></vmqos:vm>"), "d", true))
                .hasMessageContaining("vmqos.qmp").hasMessageContaining("libvirt names and finds the domain");
        assertThatThrownBy(() -> parser.parse(domain("<vmqos:vm xmlns:vmqos='http://vmqos.io/xmlns/libvirt/1'>"
                + "<vmqos:sla><vmqos:rx rate='1pps' packetSize='64' burst='1' latency='5ms'/></vmqos:sla></vmqos:vm>"), "d", false))
                .hasMessageContaining("needs sizing but the file has no costModel");
        assertThatThrownBy(() -> parser.parse(domain("<vmqos:vm xmlns:vmqos='http://vmqos.io/xmlns/libvirt/1'></vmqos:vm>"), "d", true))
                .hasMessageContaining("neither an sla nor reservations");
        assertThatThrownBy(() -> parser.parse(domain("<vmqos:vm xmlns:vmqos='http://vmqos.io/xmlns/libvirt/1'><vmqos:reservations vcpu='1ms/10ms'>"
                + "<vmqos:vcpu>2ms/10ms</vmqos:vcpu></vmqos:reservations></vmqos:vm>"), "d", true))
                .hasMessageContaining("vmqos.reservations.vcpu").hasMessageContaining("given twice");
    }

    @Test
    void malformedXmlAndDtdsAreRefused() {
        assertThatThrownBy(() -> parser.parse("<domain><name>a</name>", "stdin", true)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("stdin").hasMessageContaining("not well-formed XML");
        assertThatThrownBy(() -> parser.parse("<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain><name>&x;</name></domain>", "stdin", true))
                .isInstanceOf(ConfigException.class);
    }
}
