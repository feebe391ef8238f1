package io.vmqos.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.GuestImageBuilder;
import io.vmqos.lab.libvirt.DomainSpec;
import io.vmqos.lab.libvirt.LibvirtDomain;
import io.vmqos.lab.libvirt.LibvirtLab;
import io.vmqos.lab.libvirt.Virsh;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.qemu.VmDiscovery;
import io.vmqos.testing.HostGuard;
import io.vmqos.testing.Root;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code vmqos vm reserve|show|release --domain NAME} against a real libvirt domain (TCG guest started through
 * {@code virsh create} by {@link LibvirtLab}): the vCPU threads get --vcpu, the main loop and the iothread get
 * --io as SCHED_DEADLINE, show lists them, release puts them back to SCHED_OTHER; an unknown domain is a usage
 * error naming the domain. Afterwards no domain, no DEADLINE thread and no leaked ledger are left.
 */
@ExtendWith(HostGuard.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmDomainCliTest extends io.vmqos.testing.CliTestSupport {
    static LibvirtLab lab;
    static LibvirtDomain domain;
    static int qemuPid = -1;
    final LinuxThreadScheduler sched = new LinuxThreadScheduler();

    @BeforeAll
    static void startDomain() {
        Root.assumeDeadlineCapable();
        GuestImage image = new GuestImageBuilder().installMissing(true).build();
        lab = LibvirtLab.start();
        domain = lab.startDomain(image, DomainSpec.random());
        qemuPid = domain.pid();
        System.out.printf("libvirt setup %s; %s (virsh create %d ms, boot %d ms)%n", lab.setupSteps(), domain,
                domain.createTime().toMillis(), domain.bootTime().toMillis());
    }

    @AfterAll
    static void tearDown() {
        List<Throwable> errors = new ArrayList<>();
        try {
            if (domain != null) releaseAnyDeadline(VmDiscovery.viaLibvirtDomain(domain.name()));
        } catch (RuntimeException e) {
            errors.add(e);
        }
        try {
            if (lab != null) lab.close(); // destroys the domain, stops the daemons it started
        } catch (RuntimeException e) {
            errors.add(e);
        }
        if (lab != null) {
            var repair = new DeadlineLedger(new LinuxThreadScheduler()).repairIfLeaked();
            if (!repair.success()) errors.add(new AssertionError("ledger leaked:\n" + repair.describe()));
            List<String> left = Virsh.allDomainNames();
            if (!left.isEmpty()) errors.add(new AssertionError("domains left: " + left));
            if (qemuPid > 0 && ProcessHandle.of(qemuPid).map(ProcessHandle::isAlive).orElse(false)) {
                errors.add(new AssertionError("QEMU " + qemuPid + " still runs"));
            }
            List<Integer> dl = deadlineThreadsOfQemu();
            if (!dl.isEmpty()) errors.add(new AssertionError("DEADLINE QEMU threads left: " + dl));
        }
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError("teardown failed: " + errors.getFirst(), errors.getFirst());
            errors.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }


    @Test
    @Order(1)
    void reserveShowReleaseByDomain() throws Exception {
        VmThreads vm = VmDiscovery.viaLibvirtDomain(domain.name());
        List<VmThread> io = new ArrayList<>(vm.iothreads());
        io.add(vm.mainLoop());
        assertThat(vm.vcpus()).hasSize(2);
        assertThat(vm.iothreads()).hasSize(1);

        assertThat(run("vm", "reserve", "--domain", domain.name(), "--vcpu", "2ms/10ms", "--io", "1ms/10ms")).as(err).isZero();
        System.out.print(out);
        for (VmThread t : vm.vcpus()) assertDeadline(t, 2_000_000, 10_000_000);
        for (VmThread t : io) assertDeadline(t, 1_000_000, 10_000_000);
        for (VmThread t : vm.of(ThreadRole.OTHER)) {
            assertThat(sched.get(t.tid()).policy()).as("%s untouched", t).isEqualTo(SchedPolicy.OTHER);
        }
        assertThat(domain.isAlive()).isTrue();

        assertThat(run("vm", "show", "--domain", domain.name(), "--json", "--sample", "200ms")).as(err).isZero();
        JsonNode j = new ObjectMapper().readTree(out);
        assertThat(j.get("pid").asInt()).isEqualTo(domain.pid());
        assertThat(j.get("name").asText()).isEqualTo(domain.name());
        Set<Integer> deadlineTids = new HashSet<>();
        for (JsonNode t : j.get("threads")) {
            if (t.get("policy").asText().equals("DEADLINE")) deadlineTids.add(t.get("tid").asInt());
        }
        Set<Integer> expected = new HashSet<>();
        vm.vcpus().forEach(t -> expected.add(t.tid()));
        io.forEach(t -> expected.add(t.tid()));
        assertThat(deadlineTids).isEqualTo(expected);
        assertThat(j.get("threads").toString()).contains("\"role\":\"VCPU\"", "\"role\":\"IOTHREAD\"", "\"role\":\"MAIN_LOOP\"");

        assertThat(run("vm", "show", "--domain", domain.name(), "--sample", "100ms")).as(err).isZero();
        assertThat(out).contains("VM " + domain.name(), "VCPU", "IOTHREAD", "MAIN_LOOP", "DEADLINE");

        assertThat(run("vm", "release", "--domain", domain.name())).as(err).isZero();
        System.out.print(out);
        for (VmThread t : vm.threads()) {
            assertThat(sched.get(t.tid()).policy()).as("%s after release", t).isEqualTo(SchedPolicy.OTHER);
        }
        assertThat(deadlineThreadsOfQemu()).isEmpty();
        assertThat(domain.isAlive()).isTrue();
        assertThat(run("vm", "release", "--domain", domain.name())).as("release again is a no-op: " + err).isZero();
    }

    @Test
    @Order(2)
    void unknownDomainIsAUsageErrorNamingIt() {
        String name = "vqlv-no-such-domain";
        assertThat(run("vm", "reserve", "--domain", name, "--vcpu", "2ms/10ms", "--io", "1ms/10ms")).isEqualTo(Main.USAGE);
        assertThat(err).contains(name).containsIgnoringCase("domain");
        assertThat(out).doesNotContain("reserved");
        assertThat(run("vm", "show", "--domain", name)).isEqualTo(Main.USAGE);
        assertThat(err).contains(name);
        assertThat(run("vm", "release", "--domain", name)).isEqualTo(Main.USAGE);
        assertThat(err).contains(name);
        assertThat(run("vm", "show", "--domain", "../etc")).isEqualTo(Main.USAGE);
        assertThat(err).contains("domain");
    }

    private void assertDeadline(VmThread t, long runtimeNs, long periodNs) {
        SchedAttributes a = sched.get(t.tid());
        assertThat(a.policy()).as("%s policy", t).isEqualTo(SchedPolicy.DEADLINE);
        assertThat(a.reservation().runtimeNs()).as("%s runtime", t).isEqualTo(runtimeNs);
        assertThat(a.reservation().periodNs()).as("%s period", t).isEqualTo(periodNs);
    }

    /** Threads of our QEMU still under SCHED_DEADLINE (empty once QEMU is gone). */
    private static List<Integer> deadlineThreadsOfQemu() {
        List<Integer> out = new ArrayList<>();
        if (qemuPid <= 0) return out;
        LinuxThreadScheduler s = new LinuxThreadScheduler();
        for (int tid : new ProcFs().threadsOf(qemuPid)) {
            try {
                if (s.get(tid).isDeadline()) out.add(tid);
            } catch (RuntimeException gone) {
                // exited
            }
        }
        return out;
    }

    /** Safety net if a test failed half way: put every DEADLINE thread of the domain back to SCHED_OTHER. */
    private static void releaseAnyDeadline(VmThreads vm) {
        LinuxThreadScheduler s = new LinuxThreadScheduler();
        for (VmThread t : vm.threads()) {
            try {
                if (s.get(t.tid()).isDeadline()) s.set(t.tid(), SchedAttributes.other());
            } catch (RuntimeException gone) {
                // exited
            }
        }
    }
}
