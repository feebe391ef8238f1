package io.vmqos.linux.net;

import io.vmqos.core.net.TapRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link TapCounters}: sysfs in this namespace, {@code ip -s -j link} in a named one, nothing for a gone tap. */
class TapCountersTest {
    @TempDir Path sys;

    @Test
    void aTapHereIsReadFromSysfs() throws Exception {
        Path st = Files.createDirectories(sys.resolve("tap0/statistics"));
        Files.writeString(st.resolve("rx_packets"), "11\n");
        Files.writeString(st.resolve("rx_bytes"), "1100\n");
        Files.writeString(st.resolve("tx_packets"), "22\n");
        Files.writeString(st.resolve("tx_bytes"), "2200\n");
        TapCounters c = new TapCounters(new IpRoute((argv, in) -> { throw new AssertionError("no command for a tap here"); }), sys);
        assertThat(c.read(new TapRef("tap0", null))).contains(new TapCounters.Counters(11, 1100, 22, 2200));
        assertThat(c.read(new TapRef("gone0", null))).isEmpty();
    }

    @Test
    void aTapInANamedNamespaceIsReadThroughIp() {
        List<List<String>> calls = new ArrayList<>();
        TapCounters c = new TapCounters(new IpRoute((argv, in) -> {
            calls.add(argv);
            return new CommandRunner.CommandResult(argv, 0,
                    "[{\"ifname\":\"tap1\",\"stats64\":{\"rx\":{\"bytes\":500,\"packets\":5},\"tx\":{\"bytes\":700,\"packets\":7}}}]", "");
        }), sys);
        assertThat(c.read(new TapRef("tap1", "lab"))).contains(new TapCounters.Counters(5, 500, 7, 700));
        assertThat(calls.getFirst()).containsSubsequence("ip", "-n", "lab").contains("-s", "link", "show", "dev", "tap1");
    }
}
