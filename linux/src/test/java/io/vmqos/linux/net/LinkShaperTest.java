package io.vmqos.linux.net;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmqos.core.net.ShapingSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HTB shaping on a real tap (in a bridge) and a veth pair in vqnet namespaces. */
class LinkShaperTest {
    private NetnsFixture fx;
    private String ns, peerNs, tap, br, veth, peer;

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
        fx.ip.ip(ns, "link", "set", tap, "master", br);
        fx.ip.ip(ns, "link", "add", veth, "type", "veth", "peer", "name", peer, "netns", peerNs);
        fx.ip.ip(ns, "addr", "add", "10.202.0.1/24", "dev", veth);
        fx.ip.ip(peerNs, "addr", "add", "10.202.0.2/24", "dev", peer);
        for (String d : new String[]{br, tap, veth}) fx.ip.ip(ns, "link", "set", d, "up");
        fx.ip.ip(peerNs, "link", "set", peer, "up");
    }

    @AfterEach
    void tearDown() {
        if (fx != null) fx.close();
    }

    @Test
    void shapesTapWithExpectedRatesAndRemovesExactly() {
        LinkShaper shaper = new LinkShaper(fx.ip);
        for (String dev : new String[]{tap, veth}) {
            List<QdiscState> before = shaper.qdiscs(dev, ns);
            ShapedLink link = shaper.shapeEgress(dev, ns, "web1", NetUnits.shaping("100mbit", "1gbit", "15k"));
            try {
                assertThat(link.classIds()).containsExactly("1:10");
                ShapingStats st = shaper.stats(dev, ns);
                ClassStats vm = st.classById("1:10").orElseThrow();
                assertThat(vm.kind()).isEqualTo("htb");
                assertThat(vm.parent()).isEqualTo("1:1");
                assertThat(vm.rateBits()).isEqualTo(100_000_000L);
                assertThat(vm.ceilBits()).isEqualTo(1_000_000_000L);
                assertThat(vm.burstBytes()).isCloseTo(15 * 1024, org.assertj.core.data.Percentage.withPercentage(1)); // kept as ticks
                ClassStats top = st.classById("1:1").orElseThrow();
                assertThat(top.rateBits()).isEqualTo(1_000_000_000L);
                assertThat(st.qdiscs()).anySatisfy(q -> {
                    assertThat(q.kind()).isEqualTo("htb");
                    assertThat(q.handle()).isEqualTo("1:");
                    assertThat(q.parent()).isEqualTo("root");
                });
                JsonNode root = fx.ip.tcJson(ns, "qdisc", "show", "dev", dev).get(0);
                assertThat(root.path("options").path("default").asText()).isEqualTo("0x10");
            } finally {
                shaper.remove(link);
            }
            assertThat(shaper.qdiscs(dev, ns)).as("qdiscs of %s back as before", dev).isEqualTo(before);
            shaper.remove(link); // idempotent
        }
    }

    @Test
    void failureAtSecondTcCommandRollsBack() {
        AtomicInteger tcChanges = new AtomicInteger();
        CommandRunner real = fx.ip.runner();
        CommandRunner failSecond = (argv, stdin) -> {
            if (argv.getFirst().equals("tc") && !argv.contains("-j") && tcChanges.incrementAndGet() == 2) {
                return new CommandRunner.CommandResult(argv, 2, "", "Error: injected failure.");
            }
            return real.run(argv, stdin);
        };
        LinkShaper shaper = new LinkShaper(new IpRoute(failSecond));
        List<QdiscState> before = shaper.qdiscs(veth, ns);
        assertThatThrownBy(() -> shaper.shapeEgress(veth, ns, "web1", NetUnits.shaping("10mbit", "20mbit", "15k")))
                .isInstanceOf(ShapingException.class)
                .satisfies(e -> assertThat(((ShapingException) e).rolledBack()).isTrue())
                .hasMessageContaining("step 2/3").hasMessageContaining("injected failure")
                .hasMessageContaining("rolled back").hasMessageContaining(veth);
        assertThat(shaper.qdiscs(veth, ns)).isEqualTo(before);
        assertThat(shaper.stats(veth, ns).classes()).isEmpty();
    }

    /** A real tc failure (unknown leaf qdisc) at the last step, egress and ingress: all undone, ifb removed. */
    @Test
    void realTcFailureAtLastStepRollsBack() {
        LinkShaper shaper = new LinkShaper(fx.ip);
        ShapingSpec bad = NetUnits.shaping("10mbit", "20mbit", "15k").withLeaf("vqnosuchqdisc");
        List<QdiscState> before = shaper.qdiscs(tap, ns);
        for (boolean ingress : new boolean[]{false, true}) {
            assertThatThrownBy(() -> {
                if (ingress) shaper.shapeIngress(tap, ns, "web1", bad);
                else shaper.shapeEgress(tap, ns, "web1", bad);
            }).isInstanceOf(ShapingException.class)
                    .satisfies(e -> assertThat(((ShapingException) e).rolledBack()).isTrue())
                    .hasMessageContaining(ingress ? "step 8/8" : "step 4/4").hasMessageContaining("vqnosuchqdisc");
            assertThat(shaper.qdiscs(tap, ns)).isEqualTo(before);
            assertThat(fx.ip.ipJson(ns, "link", "show", "type", "ifb")).isEmpty();
        }
    }

    @Test
    void refusesDeviceWithForeignRootQdiscUntouched() {
        fx.ip.tc(ns, "qdisc", "add", "dev", veth, "root", "handle", "5:", "htb");
        LinkShaper shaper = new LinkShaper(fx.ip);
        List<QdiscState> before = shaper.qdiscs(veth, ns);
        assertThatThrownBy(() -> shaper.shapeEgress(veth, ns, "web1", NetUnits.shaping("10mbit", "20mbit", "15k")))
                .isInstanceOf(ShapingException.class).hasMessageContaining("did not create")
                .hasMessageContaining("qdisc del dev " + veth);
        assertThat(shaper.qdiscs(veth, ns)).isEqualTo(before);
    }

    @Test
    void sharedDeviceGetsOneClassAndFilterPerVm() {
        LinkShaper shaper = new LinkShaper(fx.ip);
        List<QdiscState> before = shaper.qdiscs(veth, ns);
        List<VmShare> vms = List.of(
                new VmShare("web1", "52:54:00:00:00:01", NetUnits.shaping("100mbit", "500mbit", "15k")),
                new VmShare("db1", "52:54:00:00:00:02", NetUnits.shaping("200mbit", "1gbit", "30k")));
        ShapedLink link = shaper.shapeShared(veth, ns, 1_000_000_000L, vms, true);
        try {
            assertThat(link.classIds()).containsExactly("1:10", "1:11");
            ShapingStats st = shaper.stats(veth, ns);
            assertThat(st.classById("1:10").orElseThrow().rateBits()).isEqualTo(100_000_000L);
            assertThat(st.classById("1:10").orElseThrow().ceilBits()).isEqualTo(500_000_000L);
            assertThat(st.classById("1:11").orElseThrow().rateBits()).isEqualTo(200_000_000L);
            assertThat(st.classById("1:11").orElseThrow().ceilBits()).isEqualTo(1_000_000_000L);
            List<String> flows = new ArrayList<>();
            for (JsonNode f : fx.ip.tcJson(ns, "filter", "show", "dev", veth, "parent", "1:")) {
                String flow = IpRoute.text(f.path("options"), "flowid");
                if (flow != null) flows.add(flow);
            }
            assertThat(flows).containsExactlyInAnyOrder("1:10", "1:11");
        } finally {
            shaper.remove(link);
        }
        assertThat(shaper.qdiscs(veth, ns)).isEqualTo(before);
    }

    /**
     * Real traffic: UDP from ns to peerNs through the veth shaped to ceil 10mbit, measured over 2 s at the peer's
     * rx counter; the sender blocks on its socket buffer while HTB queues, so it never outruns the shaper.
     */
    @Test
    void udpThroughShapedVethStaysUnderCeil() throws Exception {
        long ceil = 10_000_000L;
        LinkShaper shaper = new LinkShaper(fx.ip);
        ShapedLink link = shaper.shapeEgress(veth, ns, "bulk", NetUnits.shaping("5mbit", "10mbit", "15k"));
        Process sender = null;
        try {
            sender = udpBlast(100_000);
            Thread.sleep(500);
            long t0 = System.nanoTime(); // before the first read and after the last: the window only errs long
            long r0 = rxBytes();
            Thread.sleep(2000);
            long r1 = rxBytes();
            long t1 = System.nanoTime();
            double bits = (r1 - r0) * 8.0 / ((t1 - t0) / 1e9);
            ClassStats vm = shaper.stats(veth, ns).classById("1:10").orElseThrow();
            System.out.printf("shaped veth: received %.2f Mbit/s with ceil %.0f Mbit/s; class sent %d bytes, %d pkts, %d drops, %d overlimits%n",
                    bits / 1e6, ceil / 1e6, vm.bytes(), vm.packets(), vm.drops(), vm.overlimits());
            assertThat(bits).as("received rate").isLessThanOrEqualTo(ceil * 1.10);
            assertThat(bits).as("traffic flowed at all").isGreaterThan(ceil * 0.3);
            assertThat(vm.bytes()).isGreaterThan(0);
        } finally {
            stop(sender);
            shaper.remove(link);
        }
    }

    @Test
    void ingressOfTapShapedThroughIfbAndRemoved() {
        LinkShaper shaper = new LinkShaper(fx.ip);
        List<QdiscState> before = shaper.qdiscs(tap, ns);
        ShapedLink egress = shaper.shapeEgress(tap, ns, "web1", NetUnits.shaping("50mbit", "100mbit", "15k"));
        ShapedLink in = shaper.shapeIngress(tap, ns, "web1", NetUnits.shaping("20mbit", "40mbit", "15k"));
        try {
            String ifb = in.ifb().orElseThrow();
            assertThat(in.shapedDevice()).isEqualTo(ifb);
            ClassStats c = shaper.stats(ifb, ns).classById(LinkShaper.TAP_CLASS_ID).orElseThrow();
            assertThat(c.rateBits()).isEqualTo(20_000_000L);
            assertThat(c.ceilBits()).isEqualTo(40_000_000L);
            assertThat(shaper.qdiscs(tap, ns)).anySatisfy(q -> assertThat(q.kind()).isEqualTo("ingress"));
            assertThat(fx.ip.tcJson(ns, "filter", "show", "dev", tap, "parent", "ffff:").toString()).contains(ifb);
            assertThatThrownBy(() -> shaper.shapeIngress(tap, ns, "web1", NetUnits.shaping("20mbit", "40mbit", "15k")))
                    .isInstanceOf(ShapingException.class).hasMessageContaining("already");
        } finally {
            shaper.remove(in);
            shaper.remove(egress);
        }
        assertThat(shaper.qdiscs(tap, ns)).isEqualTo(before);
        assertThat(fx.ip.ipJson(ns, "link", "show", "type", "ifb")).isEmpty();
    }

    /**
     * VM → host direction with real traffic: the receiving veth's ingress shaped through an ifb to 10mbit. Unlike
     * egress there is no backpressure on the sender (it blasts at line rate for ~3 s and the ifb's HTB drops the
     * excess), so only what passes the class is measured.
     */
    @Test
    void udpIntoIngressShapedDeviceStaysUnderCeil() throws Exception {
        long ceil = 10_000_000L;
        LinkShaper shaper = new LinkShaper(fx.ip);
        ShapedLink link = shaper.shapeIngress(peer, peerNs, "bulk", NetUnits.shaping("5mbit", "10mbit", "15k"));
        Process sender = null;
        try {
            String ifb = link.ifb().orElseThrow();
            sender = udpBlast(10_000_000);
            Thread.sleep(500);
            long t0 = System.nanoTime(); // before the first read and after the last: the window only errs long
            long b0 = shaper.stats(ifb, peerNs).classById("1:10").orElseThrow().bytes();
            Thread.sleep(2000);
            ClassStats c = shaper.stats(ifb, peerNs).classById("1:10").orElseThrow();
            double bits = (c.bytes() - b0) * 8.0 / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("ingress-shaped veth: %.2f Mbit/s through the ifb class with ceil %.0f Mbit/s; %d drops%n",
                    bits / 1e6, ceil / 1e6, c.drops());
            assertThat(bits).isLessThanOrEqualTo(ceil * 1.10);
            assertThat(bits).isGreaterThan(ceil * 0.3);
        } finally {
            stop(sender);
            shaper.remove(link);
        }
    }

    /**
     * Starts {@code count} 1400-byte UDP datagrams from ns towards peerNs for at most 4 s, addressed to 10.202.0.3:
     * a neighbour entry with the peer's MAC but an address nobody owns, so the peer counts and drops the frames
     * without ICMP errors that would stop the sender.
     */
    private Process udpBlast(int count) throws java.io.IOException {
        String mac = IpRoute.text(fx.ip.ipJson(peerNs, "link", "show", "dev", peer).get(0), "address");
        fx.ip.ip(ns, "neigh", "replace", "10.202.0.3", "lladdr", mac, "dev", veth);
        return new ProcessBuilder("ip", "netns", "exec", ns, "timeout", "4", "bash", "-c",
                "dd if=/dev/zero bs=1400 count=" + count + " > /dev/udp/10.202.0.3/9").redirectErrorStream(true).start();
    }

    private static void stop(Process sender) throws InterruptedException {
        if (sender == null) return;
        sender.destroy();
        sender.waitFor(5, TimeUnit.SECONDS);
    }

    private long rxBytes() {
        return fx.ip.ipJson(peerNs, "-s", "link", "show", "dev", peer).get(0).path("stats64").path("rx").path("bytes").asLong();
    }
}
