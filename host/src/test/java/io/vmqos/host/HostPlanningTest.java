package io.vmqos.host;

import io.vmqos.core.CostModel;
import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.InvalidInputException;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.Refusal;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;
import io.vmqos.core.StageCost;
import io.vmqos.core.StageKind;
import io.vmqos.core.StageReservation;
import io.vmqos.core.VmPlan;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmLocator;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.config.CostModelDocument;
import io.vmqos.host.config.CostModelFile;
import io.vmqos.host.config.HostConfigParser;
import io.vmqos.linux.DeadlineThread;
import io.vmqos.linux.LedgerSnapshot;
import io.vmqos.linux.RootDomainLedger;
import io.vmqos.qemu.VmDiscoveryException;
import io.vmqos.testing.FakeLedger;
import io.vmqos.testing.FakeScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Planning, applying and releasing a host configuration on fakes: the VMs, the scheduler and the ledger. */
class HostPlanningTest {
    private static final CpuBandwidth PER_CPU = CpuBandwidth.ofRuntime(950_000_000L, 1_000_000_000L);
    private static final CpuBandwidth SERVERS = CpuBandwidth.ofRuntime(50_000_000L, 1_000_000_000L).times(2);
    @TempDir Path dir;

    private final FakeScheduler sched = new FakeScheduler();
    private final FakeLedger fakeLedger = new FakeLedger();
    private final Map<VmLocator, VmThreads> vms = new HashMap<>();
    private final HostPlanning planning = new HostPlanning(this::find, NapiThreadSource.NONE, sched);

    private VmThreads find(VmLocator l) {
        VmThreads t = vms.get(l);
        if (t == null) throw new VmDiscoveryException.NoSuchProcess(1, "no VM at " + l.describe(), "start it");
        return t;
    }

    /** A VM with 2 vCPUs, a main loop, one iothread, one vhost worker and one other thread, tids base..base+5. */
    private void vm(String socket, String name, int base) {
        List<VmThread> t = List.of(new VmThread(base, ThreadRole.MAIN_LOOP, "main-loop", 0),
                new VmThread(base + 1, ThreadRole.VCPU, "vcpu0", 0), new VmThread(base + 2, ThreadRole.VCPU, "vcpu1", 1),
                new VmThread(base + 3, ThreadRole.IOTHREAD, "iothread io1", 0), new VmThread(base + 4, ThreadRole.VHOST, "vhost-" + base, 0),
                new VmThread(base + 5, ThreadRole.OTHER, "worker", 0));
        for (VmThread x : t) sched.with(x.tid(), SchedAttributes.other());
        vms.put(new VmLocator.Qmp(socket), new VmThreads(base, name, VmThreads.Source.QMP, t));
    }

    /** The ledger as the kernel would show it: the fake scheduler's DEADLINE threads, plus 2 servers of 5%. */
    private HostFacts facts() {
        List<DeadlineThread> threads = new ArrayList<>();
        CpuBandwidth sum = CpuBandwidth.ZERO;
        for (var e : sched.threads.entrySet()) {
            if (e.getValue().isDeadline()) {
                CpuBandwidth bw = e.getValue().bandwidth();
                threads.add(new DeadlineThread(1, e.getKey(), "t", e.getValue().reservation(), bw, 0));
                sum = sum.plus(bw);
            }
        }
        RootDomainLedger d = new RootDomainLedger(List.of(0, 1), PER_CPU, PER_CPU.times(2), SERVERS.plus(sum), SERVERS, sum, threads);
        return new HostFacts(new LedgerSnapshot(List.of(d)), 950_000_000L, 1_000_000_000L, KernelLimits.DEFAULT);
    }

    private HostConfig config(String yaml) throws Exception {
        Path f = dir.resolve("host.yaml");
        Files.writeString(f, yaml);
        return new HostConfigParser(KernelLimits.DEFAULT).parse(f);
    }

    private Reserver reserver(HostConfig c) { return new Reserver(sched, fakeLedger, KernelLimits.DEFAULT, c.host().hostReserve()); }

    private void costs() {
        CostModelFile.write(dir.resolve("costs.yaml"), CostModelDocument.of(
                CostModel.of(new StageCost(800, 0.1), new StageCost(2000, 0.25), new StageCost(3000, 0.5))));
    }

    private static final String EXPLICIT = """
            vms:
              - name: web1
                qmp: /tmp/web1.qmp
                reservations: {vcpu: 1ms/10ms, io: 500us/10ms}
            """;

    @Test
    void explicitOnlyPlanAppliesToThreadsByRoleAndIsIdempotent() throws Exception {
        vm("/tmp/web1.qmp", "web1", 100);
        HostConfig c = config(EXPLICIT);
        ConfigPlan plan = planning.plan(c, Optional.empty(), facts());
        assertThat(plan.complete()).isTrue();
        assertThat(plan.unsized()).containsExactly("web1");
        VmPlan p = plan.result().vm("web1");
        StageReservation vcpu = p.stage(StageKind.VCPU);
        assertThat(vcpu.reservation()).isEqualTo(Reservation.of(1_000_000, 10_000_000));
        assertThat(vcpu.guaranteedRatePps()).isEqualTo(-1);
        assertThat(vcpu.latencyNs()).isEqualTo(10_000_000 + 10_000_000 - 2 * (1_000_000 - 5_000));
        assertThat(p.stage(StageKind.NAPI)).isNull();
        assertThat(plan.result().totalBandwidth()).isEqualTo(CpuBandwidth.ofRuntime(1_000_000, 10_000_000).plus(CpuBandwidth.ofRuntime(500_000, 10_000_000)));

        ConfigApply done = planning.apply(c, Optional.empty(), facts(), reserver(c));
        assertThat(done.report().changed()).isEqualTo(5); // 2 vCPUs + main loop, iothread, vhost
        assertThat(sched.threads.get(101)).isEqualTo(SchedAttributes.deadline(Reservation.of(1_000_000, 10_000_000)));
        assertThat(sched.threads.get(102).isDeadline()).isTrue();
        for (int io : List.of(100, 103, 104)) assertThat(sched.threads.get(io)).isEqualTo(SchedAttributes.deadline(Reservation.of(500_000, 10_000_000)));
        assertThat(sched.threads.get(105).policy()).isEqualTo(SchedPolicy.OTHER);

        // again: nothing changes, and the plan (which now sees the VM's own reservations in the ledger) is the same
        long sets = sched.setCalls();
        ConfigApply again = planning.apply(c, Optional.empty(), facts(), reserver(c));
        assertThat(again.report().changed()).isZero();
        assertThat(sched.setCalls()).isEqualTo(sets);
        assertThat(again.plan().result()).isEqualTo(plan.result());

        ConfigApply released = planning.release(c, reserver(c), fakeLedger);
        assertThat(released.report().changed()).isEqualTo(5);
        assertThat(sched.threads.values()).allMatch(a -> a.policy() == SchedPolicy.OTHER);
        assertThat(planning.release(c, reserver(c), fakeLedger).report().changed()).isZero();
    }

    @Test
    void napiStageWithoutThreadsIsANote() throws Exception {
        costs();
        vm("/tmp/web1.qmp", "web1", 100);
        HostConfig c = config("""
                costModel: costs.yaml
                vms:
                  - name: web1
                    qmp: /tmp/web1.qmp
                    sla: {rx: {rate: 2000pps, packetSize: 64, burst: 8, latency: 20ms}}
                """);
        ConfigApply done = planning.apply(c, HostPlanning.loadCosts(c), facts(), reserver(c));
        assertThat(done.notes()).anyMatch(n -> n.contains("napi stage: no NAPI threads discovered for VM (path reservations not configured)"));
        assertThat(done.plan().result().vm("web1").stage(StageKind.NAPI)).isNotNull();
        assertThat(done.report().changed()).isEqualTo(5);

        // with a NAPI source, its thread gets the NAPI reservation in the same transaction
        sched.with(900, SchedAttributes.other());
        HostPlanning withNapi = new HostPlanning(this::find, vm -> List.of(900), sched);
        ConfigApply more = withNapi.apply(c, HostPlanning.loadCosts(c), facts(), reserver(c));
        assertThat(more.report().changed()).isEqualTo(1);
        assertThat(sched.threads.get(900).reservation()).isEqualTo(more.plan().result().vm("web1").stage(StageKind.NAPI).reservation());
        assertThat(withNapi.release(c, reserver(c), fakeLedger).report().changed()).isEqualTo(6);
    }

    @Test
    void aNapiThreadTwoVmsCrossGetsOneReservationForBothSlas() throws Exception {
        costs();
        vm("/tmp/web1.qmp", "web1", 100);
        vm("/tmp/web2.qmp", "web2", 200);
        sched.with(900, SchedAttributes.other());
        HostConfig c = config("""
                costModel: costs.yaml
                vms:
                  - name: web1
                    qmp: /tmp/web1.qmp
                    sla: {rx: {rate: 4000pps, packetSize: 64, burst: 8, latency: 5ms}}
                  - name: web2
                    qmp: /tmp/web2.qmp
                    sla: {rx: {rate: 1000pps, packetSize: 64, burst: 32, latency: 20ms}}
                """);
        HostPlanning shared = new HostPlanning(this::find, vm -> List.of(900), sched);
        ConfigPlan planned = shared.plan(c, HostPlanning.loadCosts(c), facts());
        assertThat(planned.notes()).anyMatch(n -> n.contains("napi thread 900 is shared by vm web1, web2: apply gives it one reservation"));
        assertThat(sched.threads.get(900).policy()).isEqualTo(SchedPolicy.OTHER); // plan changes nothing
        ConfigApply done = shared.apply(c, HostPlanning.loadCosts(c), facts(), reserver(c));
        Reservation own1 = done.plan().result().vm("web1").stage(StageKind.NAPI).reservation();
        Reservation own2 = done.plan().result().vm("web2").stage(StageKind.NAPI).reservation();
        Reservation got = sched.threads.get(900).reservation();
        System.out.println("napi web1 " + own1 + ", web2 " + own2 + " -> shared thread " + got);
        assertThat(done.report().changed()).isEqualTo(11); // 5 + 5 VM threads, the shared NAPI thread once
        assertThat(got.bandwidth()).isGreaterThan(own1.bandwidth().max(own2.bandwidth()));
        assertThat(done.notes()).anyMatch(n -> n.contains("napi thread 900 is shared by vm web1, web2") && n.contains("sum of their SLAs"));
        assertThat(shared.release(c, reserver(c), fakeLedger).report().changed()).isEqualTo(11);
        assertThat(sched.threads.values()).allMatch(a -> a.policy() == SchedPolicy.OTHER);
    }

    @Test
    void aNapiThreadTwoVmsCrossWithExplicitReservationsGetsTheirSum() throws Exception {
        vm("/tmp/web1.qmp", "web1", 100);
        vm("/tmp/web2.qmp", "web2", 200);
        sched.with(900, SchedAttributes.other());
        HostConfig c = config("""
                vms:
                  - name: web1
                    qmp: /tmp/web1.qmp
                    reservations: {napi: 200us/1ms}
                  - name: web2
                    qmp: /tmp/web2.qmp
                    reservations: {napi: 1ms/10ms}
                """);
        HostPlanning shared = new HostPlanning(this::find, vm -> List.of(900), sched);
        ConfigApply done = shared.apply(c, Optional.empty(), facts(), reserver(c));
        assertThat(sched.threads.get(900).reservation()).isEqualTo(Reservation.of(300_000, 1_000_000));
        assertThat(done.notes()).anyMatch(n -> n.contains("the sum of their explicit napi reservations"));
        shared.release(c, reserver(c), fakeLedger);
    }

    @Test
    void sizedPlanMeetsTheSlaAndIsDeterministic() throws Exception {
        costs();
        vm("/tmp/web1.qmp", "web1", 100);
        String a = """
                costModel: costs.yaml
                vms:
                  - name: web1
                    qmp: /tmp/web1.qmp
                    sla:
                      rx: {rate: 2000pps, packetSize: 64, burst: 16, latency: 5ms}
                      tx: {rate: 20mbit, packetSize: 1500, burst: 8, latency: 5ms}
                  - name: db1
                    qmp: /tmp/db1.qmp
                    sla: {tx: {rate: 1kpps, packetSize: 512, burst: 4, latency: 30ms}}
                    reservations: {vcpu: 2ms/10ms}
                """;
        HostConfig c = config(a);
        ConfigPlan p1 = planning.plan(c, HostPlanning.loadCosts(c), facts());
        assertThat(p1.complete()).isTrue();
        VmPlan web = p1.result().vm("web1");
        assertThat(web.sla().ratePps()).isEqualTo(3667);
        assertThat(web.delayBoundNs()).isPositive().isLessThanOrEqualTo(5_000_000);
        assertThat(web.backlogBoundPackets()).isPositive();
        assertThat(web.stages()).extracting(StageReservation::stage).containsExactly(StageKind.NAPI, StageKind.IO, StageKind.VCPU);
        assertThat(web.stages()).allMatch(s -> s.guaranteedRatePps() >= 3667);
        assertThat(p1.result().vm("db1").stage(StageKind.VCPU).reservation()).isEqualTo(Reservation.of(2_000_000, 10_000_000));
        assertThat(p1.notes()).anyMatch(n -> n.contains("db1") && n.contains("not running"));

        // same inputs, VMs listed the other way round: the same plan
        String b = "costModel: costs.yaml\nvms:\n" + a.substring(a.indexOf("  - name: db1")) + a.substring(a.indexOf("  - name: web1"), a.indexOf("  - name: db1"));
        HostConfig c2 = config(b);
        assertThat(c2.vms().getFirst().name()).isEqualTo("db1");
        assertThat(planning.plan(c2, HostPlanning.loadCosts(c2), facts()).result()).isEqualTo(p1.result());
        assertThat(planning.plan(c, HostPlanning.loadCosts(c), facts()).result()).isEqualTo(p1.result());
    }

    @Test
    void refusalSaysWhatFitsAndApplyChangesNothing() throws Exception {
        costs();
        vm("/tmp/web1.qmp", "web1", 100);
        vm("/tmp/big.qmp", "big", 200);
        HostConfig c = config("""
                costModel: costs.yaml
                vms:
                  - name: web1
                    qmp: /tmp/web1.qmp
                    reservations: {vcpu: 1ms/10ms}
                  - name: big
                    qmp: /tmp/big.qmp
                    sla: {rx: {rate: 300kpps, packetSize: 1500, burst: 32, latency: 10ms}}
                """);
        ConfigPlan plan = planning.plan(c, HostPlanning.loadCosts(c), facts());
        assertThat(plan.complete()).isFalse();
        Refusal r = plan.result().refusals().getFirst();
        assertThat(r.vm()).isEqualTo("big");
        assertThat(r.shortfall().isPositive()).isTrue();
        assertThat(r.largestRatePps()).isPresent();
        assertThat(r.largestRatePps().getAsLong()).isLessThan(300_000);
        assertThat(plan.result().vm("web1")).isNotNull();

        assertThatThrownBy(() -> planning.apply(c, HostPlanning.loadCosts(c), facts(), reserver(c)))
                .isInstanceOf(PlanRefusedException.class).hasMessageContaining("big");
        assertThat(sched.setCalls()).isZero();
    }

    @Test
    void applyNeedsEveryVmRunning() throws Exception {
        HostConfig c = config(EXPLICIT);
        assertThat(planning.plan(c, Optional.empty(), facts()).notes()).anyMatch(n -> n.contains("planned as a new VM"));
        assertThatThrownBy(() -> planning.apply(c, Optional.empty(), facts(), reserver(c))).isInstanceOf(VmDiscoveryException.class);
        assertThat(sched.setCalls()).isZero();
        assertThat(planning.release(c, reserver(c), fakeLedger).notes()).anyMatch(n -> n.contains("nothing to release"));
    }

    @Test
    void cpusMustCoverWholeRootDomains() throws Exception {
        vm("/tmp/web1.qmp", "web1", 100);
        HostConfig c = config("host: {cpus: '0'}\n" + EXPLICIT);
        assertThatThrownBy(() -> planning.plan(c, Optional.empty(), facts())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("host.cpus").hasMessageContaining("root domain 0-1");
        HostConfig ok = config("host: {cpus: 0-1, hostReserve: 20%}\n" + EXPLICIT);
        ConfigPlan p = planning.plan(ok, Optional.empty(), facts());
        CpuBandwidth cap = PER_CPU.times(2);
        CpuBandwidth expected = cap.minus(cap.fractionOf(0.20)).minus(SERVERS).minus(p.result().totalBandwidth());
        assertThat(p.result().remainingPerRootDomain()).containsEntry("0-1", expected);
    }
}
