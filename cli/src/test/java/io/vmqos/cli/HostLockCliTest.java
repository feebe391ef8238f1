package io.vmqos.cli;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.LedgerSnapshot;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.RootDomainLedger;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.HostLockHolder;
import io.vmqos.testing.Root;
import io.vmqos.testing.TestThreads;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One writer per host, on the real kernel: separate {@code vmqos} processes started at the same moment admit one
 * after the other (so the host reserve holds), and a command that cannot get the lock in time fails naming the holder.
 */
@ExtendWith(HostGuard.class)
class HostLockCliTest extends io.vmqos.testing.CliTestSupport {
    private static final int THREADS = 10, REPETITIONS = 20, MAX_ATTEMPTS = 40;
    private static final long PERIOD_NS = 10_000_000L;
    private static final double HOST_RESERVE = 0.10;

    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();
    private final DeadlineLedger ledger = new DeadlineLedger(new LinuxThreadScheduler());
    @TempDir Path dir;

    @BeforeEach
    void root() { Root.assumeDeadlineCapable(); }

    /**
     * Two {@code vmqos reserve} JVMs, each reserving its own 10 sleeping threads; each alone fits, both together break
     * the host reserve (but not the kernel's own limit, so only vmqos's admission can refuse): exactly one is refused
     * and the ledger stays within capacity less the reserve. Other testers share this machine: a repetition in which
     * the ledger held by others moved is not counted.
     */
    @Test
    void twoReserveProcessesStartedTogetherAdmitOneAfterTheOther() throws Exception {
        int counted = 0, attempts = 0;
        List<String> log = new ArrayList<>();
        ledger.repairIfLeaked(); // admission counts live threads and servers, as the free room below does
        try (TestThreads a = TestThreads.sleeping(THREADS); TestThreads b = TestThreads.sleeping(THREADS)) {
            while (counted < REPETITIONS) {
                assertThat(++attempts).as("repetitions disturbed by other testers: " + log).isLessThanOrEqualTo(MAX_ATTEMPTS);
                LedgerSnapshot before = ledger.read();
                RootDomainLedger d = before.domains().getFirst();
                long capacity = d.capacity().kernelUnits(), total = d.kernelTotal().kernelUnits();
                long limit = capacity - (long) Math.ceil(capacity * HOST_RESERVE);
                long free = limit - total;
                long reserveRoom = capacity - limit;
                // each process asks more than half of what is free, both less than what the kernel would still admit
                long perProcess = (free + reserveRoom / 2) / 2;
                long runtime = (perProcess / THREADS) * PERIOD_NS >> CpuBandwidth.SHIFT;
                long asked = THREADS * Reservation.of(runtime, PERIOD_NS).bandwidth().kernelUnits();
                assertThat(asked).as("each alone fits").isLessThanOrEqualTo(free);
                assertThat(2 * asked).as("both break the host reserve").isGreaterThan(free);
                assertThat(total + 2 * asked).as("the kernel alone would admit both").isLessThanOrEqualTo(capacity);

                Process pa = reserve(a, runtime), pb = reserve(b, runtime);
                int ca = exit(pa), cb = exit(pb);
                String ea = text(pa.getErrorStream().readAllBytes()), eb = text(pb.getErrorStream().readAllBytes());
                LedgerSnapshot after = ledger.read();
                boolean aDl = allDeadline(a), bDl = allDeadline(b);
                run("release", "--tid", tids(a) + "," + tids(b));
                assertThat(allOther(a) && allOther(b)).as("everything released: " + err).isTrue();
                if (before.domains().size() != 1 || after.domains().size() != 1
                        || Math.abs(othersHold(before) - othersHold(after)) > d.defaultTolerance().kernelUnits()) {
                    log.add("attempt " + attempts + ": others' hold moved " + CpuBandwidth.ofKernelUnits(othersHold(before)) + " -> "
                            + CpuBandwidth.ofKernelUnits(othersHold(after)));
                    continue;
                }
                counted++;
                assertThat(new int[] {Math.min(ca, cb), Math.max(ca, cb)}).as("exit codes a=%d (%s) b=%d (%s)", ca, ea, cb, eb)
                        .containsExactly(Main.DONE, Main.REFUSED);
                String refusedErr = ca == Main.REFUSED ? ea : eb;
                assertThat(refusedErr).contains("refused, nothing changed").contains("host reserve");
                assertThat(ca == Main.DONE ? aDl && !bDl : bDl && !aDl).as("the winner's threads are reserved, the loser's unchanged").isTrue();
                RootDomainLedger da = after.domains().getFirst();
                assertThat(da.kernelTotal().kernelUnits()).as("host reserve holds: " + da.describe()).isLessThanOrEqualTo(limit);
            }
        }
        System.out.printf("two reserve processes x %d: exactly one refused every time (%d attempts, %d disturbed)%n",
                REPETITIONS, attempts, attempts - counted);
    }

    @Test
    void aHolderLongerThanTheLockWaitMakesEveryChangingCommandFailNamingIt() throws Exception {
        Path cfg = dir.resolve("host.yaml");
        Files.writeString(cfg, "vms:\n  - {name: a, pid: 1, reservations: {vcpu: 1ms/10ms}}\n");
        try (TestThreads t = TestThreads.sleeping(1);
             HostLockHolder holder = HostLockHolder.start("default", "vmqos apply -f other.yaml (test holder)")) {
            String tid = String.valueOf(t.tid(0));
            long t0 = System.nanoTime();
            assertThat(run("reserve", "--tid", tid, "--runtime", "1ms", "--period", "10ms", "--lock-wait", "500ms")).as(err).isEqualTo(Main.REFUSED);
            long waited = System.nanoTime() - t0;
            assertThat(err).contains("held by pid " + holder.pid() + " (vmqos apply -f other.yaml (test holder))")
                    .contains("waited 500ms").contains("nothing was changed").contains("kill " + holder.pid());
            assertThat(waited).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
            assertThat(sched.get(t.tid(0)).policy()).isEqualTo(SchedPolicy.OTHER);
            String pid = String.valueOf(ProcessHandle.current().pid());
            for (String[] cmd : List.of(
                    new String[] {"release", "--tid", tid},
                    new String[] {"apply", "-f", cfg.toString()},
                    new String[] {"release", "-f", cfg.toString()},
                    new String[] {"vm", "reserve", "--pid", pid, "--vcpu", "1ms/10ms", "--io", "1ms/10ms"},
                    new String[] {"vm", "release", "--pid", pid},
                    new String[] {"doctor", "--repair"})) {
                String[] args = Arrays.copyOf(cmd, cmd.length + 2);
                args[cmd.length] = "--lock-wait";
                args[cmd.length + 1] = "0s";
                assertThat(run(args)).as(String.join(" ", cmd) + ": " + err).isEqualTo(Main.REFUSED);
                assertThat(err).as(String.join(" ", cmd)).contains("held by pid " + holder.pid());
            }
            // read-only commands do not wait for the lock
            assertThat(run("show")).as(err).isZero();
            for (String[] cmd : List.of(new String[] {"plan", "-f", cfg.toString()}, new String[] {"doctor"},
                    new String[] {"vm", "show", "--pid", pid})) {
                run(cmd);
                assertThat(err).as(String.join(" ", cmd)).doesNotContain("host lock");
            }
        }
        // the holder is gone: the kernel released its lock
        assertThat(run("release", "--pid", String.valueOf(ProcessHandle.current().pid()), "--lock-wait", "0s")).as(err).isZero();
    }

    private Process reserve(TestThreads t, long runtimeNs) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "reserve", "--tid", tids(t), "--runtime", runtimeNs + "ns", "--period", PERIOD_NS + "ns",
                "--host-reserve", Math.round(HOST_RESERVE * 100) + "%");
        return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static int exit(Process p) throws InterruptedException {
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("vmqos reserve did not finish");
        }
        return p.exitValue();
    }

    /** The kernel's count less this JVM's DEADLINE threads: servers, other programs' threads, any leak. */
    private static long othersHold(LedgerSnapshot s) {
        long me = ProcessHandle.current().pid(), sum = 0;
        for (RootDomainLedger d : s.domains()) sum += d.kernelTotal().kernelUnits();
        for (var th : s.threads()) if (th.pid() == me) sum -= th.bandwidth().kernelUnits();
        return sum;
    }

    private boolean allDeadline(TestThreads t) {
        for (int tid : t.tids()) if (!sched.get(tid).isDeadline()) return false;
        return true;
    }

    private boolean allOther(TestThreads t) {
        for (int tid : t.tids()) if (!sched.get(tid).sameSchedulingAs(SchedAttributes.other())) return false;
        return true;
    }

    private static String tids(TestThreads t) {
        StringJoiner j = new StringJoiner(",");
        for (int tid : t.tids()) j.add(String.valueOf(tid));
        return j.toString();
    }

    private static String text(byte[] b) { return new String(b, StandardCharsets.UTF_8).strip(); }
}
