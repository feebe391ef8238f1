package io.vmqos.linux.net;

import io.vmqos.core.net.DeviceKind;
import io.vmqos.core.net.NetDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Threaded NAPI on a real veth pair between two namespaces. */
class ThreadedNapiTest {
    private NetnsFixture fx;
    private String a, b, va, vb;

    @BeforeEach
    void setUp() {
        fx = new NetnsFixture();
        a = fx.netns("a");
        b = fx.netns("b");
        va = "vqn" + fx.tag + "a";
        vb = "vqn" + fx.tag + "b";
        fx.ip.ip(a, "link", "add", va, "type", "veth", "peer", "name", vb, "netns", b);
        fx.ip.ip(a, "addr", "add", "10.201.0.1/24", "dev", va);
        fx.ip.ip(b, "addr", "add", "10.201.0.2/24", "dev", vb);
        fx.ip.ip(a, "link", "set", va, "up");
        fx.ip.ip(b, "link", "set", vb, "up");
    }

    @AfterEach
    void tearDown() {
        if (fx != null) fx.close();
    }

    @Test
    void enablesWithGroDiscoversThreadsAndRestores() {
        ThreadedNapi napi = new ThreadedNapi(fx.ip, new KernelThreads());
        assertThat(napi.isThreaded(va, a)).isFalse();
        assertThat(napi.groOn(va, a)).as("veth starts with GRO off").isFalse();

        NapiChange change = napi.enable(va, a, Duration.ofSeconds(2));
        try {
            assertThat(change.previousThreaded()).isEqualTo("0");
            assertThat(change.previousGro()).contains(false);
            assertThat(napi.isThreaded(va, a)).isTrue();
            assertThat(napi.groOn(va, a)).isTrue();
            // traffic makes sure the NAPI instances are live
            fx.sh("ip", "netns", "exec", b, "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.201.0.1");
            var threads = napi.awaitThreads(va, Duration.ofSeconds(2));
            assertThat(threads).isNotEmpty().allSatisfy(t -> assertThat(t.comm()).startsWith("napi/" + va));
            NetDevice dev = new NetPathDiscovery(fx.ip, new KernelThreads(), new Interrupts()).device(va, a);
            assertThat(dev.kind()).isEqualTo(DeviceKind.VETH);
            assertThat(dev.threadedNapi()).isTrue();
            assertThat(dev.napiThreads()).containsExactlyElementsOf(threads);
            assertThat(dev.irqs()).isEmpty();
            System.out.println("napi threads of " + va + ": " + threads);
        } finally {
            napi.restore(change);
        }
        assertThat(napi.isThreaded(va, a)).isFalse();
        assertThat(napi.groOn(va, a)).isFalse();
        assertThat(napi.awaitNoThreads(va, Duration.ofSeconds(5))).as("napi threads gone after restore").isTrue();
    }

    @Test
    void enableTwiceKeepsOriginalState() {
        ThreadedNapi napi = new ThreadedNapi(fx.ip, new KernelThreads());
        NapiChange first = napi.enable(va, a, Duration.ofMillis(500));
        NapiChange second = napi.enable(va, a, Duration.ofMillis(500));
        assertThat(second.wasAlreadyThreaded()).isTrue();
        napi.restore(second); // no-op
        assertThat(napi.isThreaded(va, a)).isTrue();
        napi.restore(first);
        assertThat(napi.isThreaded(va, a)).isFalse();
        assertThat(napi.groOn(va, a)).isFalse();
    }

    @Test
    void loopbackTapAndBridgeAreRefusedUnchanged() {
        ThreadedNapi napi = new ThreadedNapi(fx.ip, new KernelThreads());
        assertThatThrownBy(() -> napi.enable("lo", a, Duration.ZERO))
                .isInstanceOf(NapiUnsupportedException.class)
                .hasMessageContaining("device lo in netns " + a).hasMessageContaining("EOPNOTSUPP").hasMessageContaining("fix:");
        String tap = "vqt" + fx.tag;
        fx.ip.ip(a, "tuntap", "add", "mode", "tap", "name", tap);
        assertThatThrownBy(() -> napi.enable(tap, a, Duration.ZERO))
                .isInstanceOf(NapiUnsupportedException.class)
                .hasMessageContaining("tap").hasMessageContaining("veth/NIC");
        assertThat(napi.isThreaded(tap, a)).isFalse();
        assertThatThrownBy(() -> napi.enable("vqnosuchdev", a, Duration.ZERO))
                .isInstanceOf(NapiUnsupportedException.class).hasMessageContaining("vqnosuchdev");
    }
}
