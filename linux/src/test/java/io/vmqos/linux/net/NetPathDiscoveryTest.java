package io.vmqos.linux.net;

import io.vmqos.core.net.DeviceKind;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.net.NetPath;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bridge + tap + veth in a namespace, discovered from the tap. */
class NetPathDiscoveryTest {
    private NetnsFixture fx;
    private String ns, peerNs, tap, br, veth, peer;
    private NetPathDiscovery discovery;

    @BeforeEach
    void setUp() {
        fx = new NetnsFixture();
        ns = fx.netns("h");
        peerNs = fx.netns("p");
        tap = "vqt" + fx.tag;
        br = "vqbr" + fx.tag;
        veth = "vqv" + fx.tag;
        peer = "vqp" + fx.tag;
        fx.ip.ip(ns, "link", "add", br, "type", "bridge");
        fx.ip.ip(ns, "tuntap", "add", "mode", "tap", "name", tap);
        fx.ip.ip(ns, "link", "add", veth, "type", "veth", "peer", "name", peer, "netns", peerNs);
        fx.ip.ip(ns, "link", "set", tap, "master", br);
        fx.ip.ip(ns, "link", "set", veth, "master", br);
        for (String d : new String[]{br, tap, veth}) fx.ip.ip(ns, "link", "set", d, "up");
        fx.ip.ip(peerNs, "link", "set", peer, "up");
        discovery = new NetPathDiscovery(fx.ip, new KernelThreads(), new Interrupts());
    }

    @AfterEach
    void tearDown() {
        if (fx != null) fx.close();
    }

    @Test
    void followsTapToBridgeAndItsPorts() {
        NetPath path = discovery.discover(tap, ns);
        assertThat(path.tap()).isEqualTo(tap);
        assertThat(path.bridge()).isEqualTo(br);
        assertThat(path.devices()).extracting(NetDevice::name).containsExactly(tap, br, veth);
        assertThat(path.device(tap).orElseThrow().kind()).isEqualTo(DeviceKind.TAP);
        assertThat(path.device(br).orElseThrow().kind()).isEqualTo(DeviceKind.BRIDGE);
        NetDevice v = path.device(veth).orElseThrow();
        assertThat(v.kind()).isEqualTo(DeviceKind.VETH);
        assertThat(v.ns()).isEqualTo(ns);
        assertThat(v.threadedNapi()).isFalse();
        assertThat(v.napiThreads()).isEmpty();
        assertThat(path.packetThreads()).isEmpty();
    }

    @Test
    void seesThreadedNapiOnTheBridgePort() {
        ThreadedNapi napi = new ThreadedNapi(fx.ip, new KernelThreads());
        NapiChange change = napi.enable(veth, ns, Duration.ofSeconds(2));
        try {
            NetPath path = discovery.discover(tap, ns);
            NetDevice v = path.device(veth).orElseThrow();
            assertThat(v.threadedNapi()).isTrue();
            assertThat(v.napiThreads()).isNotEmpty();
            assertThat(path.packetThreads()).containsAll(v.napiThreads());
        } finally {
            napi.restore(change);
        }
    }

    @Test
    void clearErrorsForMissingTapNonTapAndTapWithoutBridge() {
        assertThatThrownBy(() -> discovery.discover("vqnotap", ns))
                .isInstanceOf(NetPathException.class)
                .satisfies(e -> assertThat(((NetPathException) e).reason()).isEqualTo(NetPathException.Reason.NO_SUCH_DEVICE))
                .hasMessageContaining("vqnotap").hasMessageContaining(ns).hasMessageContaining("-netdev tap");
        assertThatThrownBy(() -> discovery.discover(veth, ns))
                .isInstanceOf(NetPathException.class).hasMessageContaining("not a tap");
        String lone = "vql" + fx.tag;
        fx.ip.ip(ns, "tuntap", "add", "mode", "tap", "name", lone);
        assertThatThrownBy(() -> discovery.discover(lone, ns))
                .isInstanceOf(NetPathException.class)
                .satisfies(e -> assertThat(((NetPathException) e).reason()).isEqualTo(NetPathException.Reason.NO_BRIDGE))
                .hasMessageContaining("not attached to a bridge").hasMessageContaining("master");
        assertThatThrownBy(() -> discovery.discover(tap, "vqnetnosuchns"))
                .isInstanceOf(NetCommandException.class).hasMessageContaining("ip -n vqnetnosuchns")
                .hasMessageContaining("ip netns add");
    }

    /**
     * The machine's own NIC (current namespace): IRQs found from msi_irqs/proc/interrupts whether or not they are
     * threaded (threadirqs). Printed for the report.
     */
    @Test
    void hostNicIrqsWithOrWithoutThreadirqs() throws Exception {
        String cmdline = Files.readString(Path.of("/proc/cmdline"));
        boolean threadirqs = cmdline.contains("threadirqs");
        String nic = null;
        for (var l : fx.ip.ipJson(null, "-d", "link", "show")) {
            String name = IpRoute.text(l, "ifname");
            if (IpRoute.text(l.path("linkinfo"), "info_kind") == null && Files.exists(Path.of("/sys/class/net", name, "device"))) {
                nic = name;
                break;
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(nic != null, "no hardware-backed NIC on this machine");
        NetDevice d = discovery.device(nic, null);
        System.out.println("threadirqs=" + threadirqs + " " + d);
        assertThat(d.kind()).isEqualTo(DeviceKind.PHYSICAL);
        assertThat(d.irqs()).isNotEmpty();
        assertThat(d.irqs()).allSatisfy(i -> assertThat(i.affinity()).isNotEmpty());
        if (threadirqs) assertThat(d.irqs()).anySatisfy(i -> assertThat(i.thread()).isPresent());
    }
}
