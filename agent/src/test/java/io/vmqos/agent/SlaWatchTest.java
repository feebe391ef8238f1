package io.vmqos.agent;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.net.TapRef;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.host.config.HostConfigParser;
import io.vmqos.host.service.HostService;
import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.Owner;
import io.vmqos.linux.net.TapCounters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link SlaWatch} on fake tap counters: windows judged against the SLA, transitions logged, no reads without an SLA. */
class SlaWatchTest {
    @TempDir Path dir;
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    final Log log = new Log(new PrintStream(logged, true, StandardCharsets.UTF_8), false);
    final AtomicLong sent = new AtomicLong(); // what the tap sent into the VM: the SLA's rx
    final AtomicInteger reads = new AtomicInteger();
    final VmTraffic traffic = new VmTraffic(pid -> List.of(new TapRef("tap" + pid, null)), t -> {
        reads.incrementAndGet();
        return Optional.of(new TapCounters.Counters(0, 0, sent.get(), sent.get() * 100));
    });
    final HostService.Outcome record = new HostService.Outcome(DesiredState.nothing(), List.of(), List.of(),
            HostRecord.empty().withVm(new HostRecord.VmEntry(new Owner("config:/h.yaml", "web"), 42, 1, "qmp:/run/web.qmp")), List.of(), List.of());

    HostConfig config(String vm) throws Exception {
        Path f = dir.resolve("host.yaml");
        Files.writeString(f, "vms:\n  - name: web\n    qmp: /run/web.qmp\n" + vm + "    reservations: {vcpu: 2ms/10ms}\n");
        return new HostConfigParser(KernelLimits.DEFAULT).parse(f);
    }

    @Test
    void aDirectionAboveItsEnvelopeIsLoggedOnceAndAgainWhenBackWithin() throws Exception {
        HostConfig cfg = config("    sla:\n      rx: {rate: 100pps, packetSize: 128, burst: 8, latency: 50ms}\n");
        SlaWatch w = new SlaWatch(traffic, log);
        long s = 1_000_000_000L;
        w.sample(cfg, record, 0);
        sent.addAndGet(150); // 75 pps over 2 s: within
        w.sample(cfg, record, 2 * s);
        assertThat(w.loads()).singleElement().satisfies(o -> assertThat(o.exceeds()).isFalse());
        sent.addAndGet(1000); // 500 pps
        w.sample(cfg, record, 4 * s);
        sent.addAndGet(1000);
        w.sample(cfg, record, 6 * s);
        sent.addAndGet(10);
        w.sample(cfg, record, 8 * s);
        String out = logged.toString(StandardCharsets.UTF_8);
        assertThat(out.lines().filter(l -> l.contains("exceeds its SLA's 100 pps")).count()).as(out).isEqualTo(1);
        assertThat(out).contains("WARN vm web: rx offered 500 pps").contains("is within its SLA's 100 pps").contains(" again");
        assertThat(out).doesNotContain("tx offered");
    }

    @Test
    void withoutAnSlaNoTapIsRead() throws Exception {
        SlaWatch w = new SlaWatch(traffic, log);
        for (int i = 0; i < 3; i++) w.sample(config(""), record, i * 2_000_000_000L);
        assertThat(reads.get()).isZero();
        assertThat(w.loads()).isEmpty();
    }
}
