package io.vmqos.lab.load;

import io.vmqos.core.InvalidInputException;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class UdpLoadGeneratorTest {
    private static final long SECOND = 1_000_000_000L;
    private UdpEchoServer server;

    @BeforeEach
    void startServer() { server = UdpEchoServer.start(); }

    @AfterEach
    void stopServer() { server.close(); }

    @Test
    void pacedRunAgainstLoopbackEchoHasNoLossAndSanePercentiles() {
        LoadResult r = UdpLoadGenerator.run(LoadSpec.paced(server.address(), 1000, 64, 2 * SECOND));

        assertThat(r.requests()).isEqualTo(2000);
        assertThat(r.replies()).isEqualTo(2000);
        assertThat(r.lost()).isZero();
        assertThat(r.duplicates()).isZero();
        assertThat(r.errors()).isZero();
        LatencySummary l = r.latency();
        assertThat(l.count()).isEqualTo(2000);
        assertThat(l.minNanos()).isPositive();
        assertThat(l.p50Nanos()).isBetween(l.minNanos(), l.p90Nanos());
        assertThat(l.p90Nanos()).isLessThanOrEqualTo(l.p99Nanos());
        assertThat(l.p99Nanos()).isLessThanOrEqualTo(l.p999Nanos());
        assertThat(l.p999Nanos()).isLessThanOrEqualTo(l.maxNanos());
        assertThat(l.p50Nanos()).as("loopback median round trip").isLessThan(50_000_000L);
        // intended latency also charges send lateness: never below the service latency
        assertThat(r.intendedLatency().p50Nanos()).isGreaterThanOrEqualTo(l.p50Nanos() * 999 / 1000);
        assertThat(r.timeline()).hasSizeBetween(15, 25);
        assertThat(r.timeline().stream().mapToLong(TimeBucket::count).sum()).isEqualTo(2000);
        assertThat(r.echoedBitsPerSecond()).isCloseTo(1000 * 64 * 8, within(1000 * 64 * 8 * 0.1));
        Histogram h = r.decodeLatencyHistogram();
        assertThat(h.getTotalCount()).isEqualTo(2000);
        assertThat(h.getValueAtPercentile(99)).isEqualTo(l.p99Nanos());
        assertThat(server.echoed()).isEqualTo(2000);
    }

    @Test
    void pacingHoldsTheRequestedRateOverTwoSeconds() {
        LoadResult r = UdpLoadGenerator.run(LoadSpec.paced(server.address(), 2000, 64, 2 * SECOND));

        assertThat(r.requests()).isEqualTo(4000);
        assertThat(r.elapsedNanos()).as("elapsed").isBetween(1_950_000_000L, 2_100_000_000L);
        assertThat(r.repliesPerSecond()).isCloseTo(2000, within(2000 * 0.05));
        System.out.printf("pacing 2000/s: elapsed %.4f s, %.1f replies/s, max send lag %d us, p50 %d us, p99 %d us%n",
                r.elapsedNanos() / 1e9, r.repliesPerSecond(), r.maxSendLagNanos() / 1000,
                r.latency().p50Nanos() / 1000, r.latency().p99Nanos() / 1000);
    }

    @Test
    void bulkRunReportsThroughput() {
        LoadResult r = UdpLoadGenerator.run(LoadSpec.bulk(server.address(), 1400, SECOND, 32));

        assertThat(r.replies()).isGreaterThan(1000);
        assertThat(r.lossRatio()).isLessThan(0.05);
        assertThat(r.echoedBitsPerSecond()).isGreaterThan(1400 * 8 * 1000.0);
        System.out.printf("bulk 1400B window 32: %d requests, %.0f replies/s, %.1f Mbit/s echoed, p50 %d us%n",
                r.requests(), r.repliesPerSecond(), r.echoedBitsPerSecond() / 1e6, r.latency().p50Nanos() / 1000);
    }

    @Test
    void noListenerMeansEverythingLost() {
        InetSocketAddress closed;
        try (UdpEchoServer other = UdpEchoServer.start()) {
            closed = other.address();
        }
        LoadSpec spec = new LoadSpec(closed, LoadMode.PACED, 200, 64, SECOND / 2, 200_000_000L, 1, LoadSpec.DEFAULT_BUCKET_NANOS);
        LoadResult r = UdpLoadGenerator.run(spec);

        assertThat(r.requests()).isEqualTo(100);
        assertThat(r.replies()).isZero();
        assertThat(r.lost()).isEqualTo(100);
        assertThat(r.errors()).as("ICMP port unreachable seen").isPositive();
        assertThat(r.latency()).isEqualTo(LatencySummary.EMPTY);
    }

    @Test
    void resultSurvivesJsonRoundTrip() {
        LoadResult r = UdpLoadGenerator.run(LoadSpec.paced(server.address(), 500, 100, SECOND / 2));
        String json = LoadJson.write(r);

        assertThat(json).contains("\"latency\"", "\"p99Nanos\"", "\"latencyHistogram\"").doesNotContain("lossRatio");
        assertThat(LoadJson.read(json)).isEqualTo(r);
    }

    @Test
    void badInputNamesTheOption() {
        InetSocketAddress t = server.address();
        assertThatThrownBy(() -> LoadSpec.paced(t, 0, 64, SECOND)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--rate");
        assertThatThrownBy(() -> LoadSpec.paced(t, -5, 64, SECOND)).hasMessageStartingWith("--rate");
        assertThatThrownBy(() -> LoadSpec.paced(t, 100, 15, SECOND)).hasMessageStartingWith("--size")
                .hasMessageContaining("header");
        assertThatThrownBy(() -> LoadSpec.paced(t, 100, 65_508, SECOND)).hasMessageStartingWith("--size")
                .hasMessageContaining("65507");
        assertThatThrownBy(() -> LoadSpec.paced(t, 100, 64, 0)).hasMessageStartingWith("--duration");
        assertThatThrownBy(() -> LoadSpec.bulk(t, 64, SECOND, 0)).hasMessageStartingWith("--window");
        assertThatThrownBy(() -> LoadSpec.paced(InetSocketAddress.createUnresolved("nowhere", 7), 100, 64, SECOND))
                .hasMessageStartingWith("--target").hasMessageContaining("unknown host");
        // unknown host without sending a DNS query
        TargetAddress.Resolver noDns = host -> { throw new UnknownHostException(host); };
        assertThatThrownBy(() -> TargetAddress.parse("--target", "no-such-host.invalid:7", noDns))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("--target").hasMessageContaining("unknown host 'no-such-host.invalid'");
        assertThatThrownBy(() -> TargetAddress.parse("--target", "127.0.0.1", noDns)).hasMessageStartingWith("--target");
        assertThatThrownBy(() -> TargetAddress.parse("--target", "127.0.0.1:70000", noDns)).hasMessageContaining("port");
        assertThat(TargetAddress.parse("--target", "[::1]:7")).isEqualTo(new InetSocketAddress("::1", 7));
    }

    @Test
    void loadMainPrintsJsonAndRejectsBadOptions() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LoadMain.execute(new String[] {"--target", "127.0.0.1:" + server.address().getPort(),
                "--rate", "500", "--size", "64", "--duration", "500ms", "--timeout", "500ms"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isZero();
        LoadResult r = LoadJson.read(out.toString());
        assertThat(r.requests()).isEqualTo(250);
        assertThat(r.lost()).isZero();

        StringWriter err2 = new StringWriter();
        int bad = LoadMain.execute(new String[] {"--target", "127.0.0.1:7", "--rate", "0"},
                new PrintWriter(new StringWriter(), true), new PrintWriter(err2, true));
        assertThat(bad).isEqualTo(2);
        assertThat(err2.toString()).contains("--rate");

        StringWriter err3 = new StringWriter();
        int bad3 = LoadMain.execute(new String[] {"--target", "127.0.0.1:7", "--size", "8"},
                new PrintWriter(new StringWriter(), true), new PrintWriter(err3, true));
        assertThat(bad3).isEqualTo(2);
        assertThat(err3.toString()).contains("--size");
    }

    @Test
    void specRoundTripsThroughItsArguments() {
        LoadSpec spec = new LoadSpec(server.address(), LoadMode.BULK, 5000, 512, 1_500_000_000L, 300_000_000L, 16, 50_000_000L);
        StringWriter err = new StringWriter();
        LoadMain main = new LoadMain();
        new picocli.CommandLine(main).parseArgs(spec.toArgs().toArray(String[]::new));
        assertThat(main.spec()).as(err.toString()).isEqualTo(spec);
    }
}
