package io.vmqos.host.service;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmLocator;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.host.config.HostConfigParser;
import io.vmqos.host.reconcile.CrashPoints;
import io.vmqos.host.state.RecordStore;
import io.vmqos.testing.FakeWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code partitioned: true} with a thread that sleeps when it is pinned: the kernel moves it (and admits it to DEADLINE
 * in its new root domain) only once it wakes up. The reconcile pins it, reserves everything else, records it as it is
 * and reports it waiting; once it has run, the next reconcile reserves it.
 */
class PinnedSleeperTest {
    @TempDir Path dir;

    @Test
    void aSleepingPinnedThreadIsReservedOnceItHasRun() throws Exception {
        FakeWorld w = new FakeWorld();
        VmLocator l = new VmLocator.Qmp("/run/web.qmp");
        FakeWorld.Vm vm = w.start(l, "web", 1);
        int mainLoop = vm.threads().stream().filter(t -> t.role() == ThreadRole.MAIN_LOOP).findFirst().orElseThrow().tid();
        int vcpu = vm.threads().stream().filter(t -> t.role() == ThreadRole.VCPU).findFirst().orElseThrow().tid();
        w.partitions.asleep.add(mainLoop);
        Path f = dir.resolve("host.yaml");
        Files.writeString(f, "host: {partitioned: true}\nvms:\n  - name: web\n    qmp: /run/web.qmp\n    reservations: {vcpu: 1ms/10ms, io: 500us/10ms}\n");
        HostConfig cfg = new HostConfigParser(KernelLimits.DEFAULT).parse(f);
        HostService s = new HostService(w.adapters(), w, new RecordStore(dir.resolve("state.json")), CrashPoints.NONE, () -> () -> { });
        String scope = Scopes.config(f);

        HostService.Outcome o = s.applyConfig(scope, cfg, Optional.empty(), HostService.Mode.PER_VM);
        assertThat(w.sched.threads.get(vcpu).isDeadline()).as("the vCPU, which runs, is reserved").isTrue();
        assertThat(w.sched.threads.get(mainLoop).isDeadline()).as("the sleeper is not (the kernel would refuse it)").isFalse();
        assertThat(w.partitions.cpusetOf(mainLoop)).as("but it is pinned").startsWith("/vmqos-cpu");
        assertThat(s.record().thread(mainLoop).orElseThrow().applied().toAttributes().isDeadline()).as("recorded as it is").isFalse();
        assertThat(o.notes()).anyMatch(n -> n.contains("thread " + mainLoop) && n.contains("has slept since"));
        var waiting = s.waiting(o.desired());
        assertThat(waiting).extracting(HostService.Waiting::tid).containsExactly(mainLoop);
        assertThat(s.ran(waiting.getFirst())).isFalse();

        HostService.Outcome again = s.applyConfig(scope, cfg, Optional.empty(), HostService.Mode.PER_VM);
        assertThat(again.done()).as("asleep still: nothing to do, no step retried in vain").isEmpty();

        w.partitions.asleep.remove(mainLoop); // it woke up on its new CPU
        assertThat(s.ran(waiting.getFirst())).isTrue();
        s.applyConfig(scope, cfg, Optional.empty(), HostService.Mode.PER_VM);
        assertThat(w.sched.threads.get(mainLoop).isDeadline()).isTrue();
        assertThat(s.waiting(o.desired())).isEmpty();

        s.release(scope);
        for (VmThread t : vm.threads()) {
            assertThat(w.sched.threads.get(t.tid()).isDeadline()).isFalse();
            assertThat(w.partitions.cpusetOf(t.tid())).isEqualTo("/");
        }
        assertThat(w.partitions.partitions).isEmpty();
        assertThat(s.record().threads()).isEmpty();
    }
}
