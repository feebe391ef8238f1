package io.vmqos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.Root;
import io.vmqos.testing.TestThreads;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;


import static org.assertj.core.api.Assertions.assertThat;

/** The command line end to end on real threads: exit codes, messages, JSON, and nothing changed on bad input. */
@ExtendWith(HostGuard.class)
class CliTest extends io.vmqos.testing.CliTestSupport {
    private final LinuxThreadScheduler sched = new LinuxThreadScheduler();

    @BeforeEach
    void root() { Root.assumeDeadlineCapable(); }


    @Test
    void reserveShowReleaseOnRealThreads() throws Exception {
        try (TestThreads t = TestThreads.sleeping(2)) {
            String tids = t.tid(0) + "," + t.tid(1);
            assertThat(run("reserve", "--tid", tids, "--runtime", "1ms", "--period", "10ms")).as(err).isZero();
            assertThat(out).contains("reserved 2 thread(s)");
            assertThat(sched.get(t.tid(0)).policy()).isEqualTo(SchedPolicy.DEADLINE);
            assertThat(run("reserve", "--tid", tids, "--runtime", "1ms", "--period", "10ms")).isZero();
            assertThat(out).contains("reserved 0 thread(s) (already as asked)");
            assertThat(run("show", "--pid", String.valueOf(ProcessHandle.current().pid()), "--json")).as(err).isZero();
            JsonNode j = new ObjectMapper().readTree(out);
            assertThat(j.get("threads").toString()).contains("\"tid\":" + t.tid(0)).contains("DEADLINE");
            assertThat(j.get("ledger").get(0).get("capacity").asDouble()).isPositive();
            assertThat(run("show")).isZero();
            assertThat(out).contains("deadline ledger").contains(String.valueOf(t.tid(1)));
            assertThat(run("release", "--tid", tids, "--json")).as(err).isZero();
            assertThat(new ObjectMapper().readTree(out).get("changed").asInt()).isEqualTo(2);
            assertThat(sched.get(t.tid(0)).policy()).isEqualTo(SchedPolicy.OTHER);
            assertThat(run("release", "--tid", tids)).isZero();
        }
    }

    @Test
    void reserveByPidCoversEveryThreadOfTheProcess() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try {
            assertThat(run("reserve", "--pid", String.valueOf(p.pid()), "--runtime", "500us", "--period", "10ms", "--json")).as(err).isZero();
            assertThat(sched.get((int) p.pid()).reservation().runtimeNs()).isEqualTo(500_000);
            assertThat(run("release", "--pid", String.valueOf(p.pid()))).isZero();
            assertThat(sched.get((int) p.pid()).policy()).isEqualTo(SchedPolicy.OTHER);
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "runtime > deadline   | --runtime 5ms --period 10ms --deadline 2ms | --runtime                    | 2",
            "deadline > period    | --runtime 1ms --period 10ms --deadline 20ms | deadline                    | 2",
            "period below minimum | --runtime 10us --period 50us                | below the kernel's minimum  | 2",
            "period above maximum | --runtime 1ms --period 5000s                | above the kernel's maximum  | 2",
            "zero runtime         | --runtime 0ms --period 10ms                 | must be positive            | 2",
            "negative runtime     | --runtime -1ms --period 10ms                | negative                    | 2",
            "unknown unit         | --runtime 1xs --period 10ms                 | unknown unit                | 2",
            "no unit              | --runtime 1 --period 10ms                   | --runtime                   | 2",
            "runtime below 1024ns | --runtime 500ns --period 1ms                | 1024ns                      | 2",
            "missing runtime      | --period 10ms                               | --runtime                   | 2",
            "missing value        | --runtime --period 10ms                     | --runtime                   | 2",
            "bad host reserve     | --runtime 1ms --period 10ms --host-reserve 150% | --host-reserve          | 2",
    })
    void badInputNamesTheFieldAndChangesNothing(String name, String opts, String expected, int code) throws Exception {
        try (TestThreads t = TestThreads.sleeping(1)) {
            SchedAttributes before = sched.get(t.tid(0));
            String[] args = ("reserve --tid " + t.tid(0) + " " + opts).trim().split("\\s+");
            assertThat(run(args)).as(err).isEqualTo(code);
            assertThat(err).contains(expected);
            assertThat(sched.get(t.tid(0))).isEqualTo(before);
        }
    }

    @Test
    void badThreadSelectionsAreRefused() throws Exception {
        try (TestThreads t = TestThreads.sleeping(1)) {
            SchedAttributes before = sched.get(t.tid(0));
            assertThat(run("reserve", "--tid", t.tid(0) + ",999999999", "--runtime", "1ms", "--period", "10ms")).isEqualTo(2);
            assertThat(err).contains("--tid").contains("999999999").contains("does not exist").contains("fix:");
            assertThat(run("reserve", "--tid", "abc", "--runtime", "1ms", "--period", "10ms")).isEqualTo(2);
            assertThat(err).contains("--tid").contains("not a positive id");
            assertThat(run("reserve", "--runtime", "1ms", "--period", "10ms")).isEqualTo(2);
            assertThat(err).contains("neither");
            assertThat(run("reserve", "--tid", String.valueOf(t.tid(0)), "--pid", "1", "--runtime", "1ms", "--period", "10ms")).isEqualTo(2);
            assertThat(err).contains("both");
            assertThat(run("reserve", "--pid", "999999999", "--runtime", "1ms", "--period", "10ms")).isEqualTo(2);
            assertThat(err).contains("--pid").contains("does not exist");
            assertThat(run("reserve", "--tid", String.valueOf(t.tid(0)), "--runtime", "1ms", "--period", "10ms", "--bogus")).isEqualTo(2);
            assertThat(err).contains("--bogus");
            assertThat(run("frobnicate")).isEqualTo(2);
            assertThat(sched.get(t.tid(0))).isEqualTo(before);
        }
    }

    @Test
    void overCapacityIsRefusedWithExitOne() throws Exception {
        try (TestThreads t = TestThreads.sleeping(3)) {
            String tids = t.tid(0) + "," + t.tid(1) + "," + t.tid(2);
            assertThat(run("reserve", "--tid", tids, "--runtime", "9ms", "--period", "10ms")).isEqualTo(1);
            assertThat(err).contains("refused, nothing changed").contains("capacity");
            for (int tid : t.tids()) assertThat(sched.get(tid).policy()).isEqualTo(SchedPolicy.OTHER);
        }
    }

    @Test
    void doctorReportsEveryCheck() {
        int code = run("doctor", "--json");
        assertThat(out).contains("\"kernel\"").contains("\"privileges\"").contains("\"debugfs\"").contains("\"cgroups\"")
                .contains("\"capacity\"").contains("\"ledger\"");
        assertThat(code).as(out).isZero();
    }
}
