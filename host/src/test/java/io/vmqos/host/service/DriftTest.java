package io.vmqos.host.service;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmLocator;
import io.vmqos.host.config.HostConfigParser;
import io.vmqos.host.reconcile.CrashPoints;
import io.vmqos.host.state.RecordStore;
import io.vmqos.testing.FakeWorld;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link HostService#drift}: what the agent's periodic check finds changed since a reconcile, on a fake host. */
class DriftTest {
    @TempDir Path dir;
    FakeWorld w;
    HostService s;
    HostConfig cfg;
    String scope;
    VmLocator web = new VmLocator.Qmp("/run/web.qmp");

    @BeforeEach
    void reconciled() throws Exception {
        w = new FakeWorld();
        s = new HostService(w.adapters(), w, new RecordStore(dir.resolve("state.json")), CrashPoints.NONE, () -> () -> { });
        Path f = dir.resolve("host.yaml");
        Files.writeString(f, """
                vms:
                  - name: web
                    qmp: /run/web.qmp
                    reservations: {vcpu: 200us/10ms, io: 100us/10ms}
                  - name: db
                    qmp: /run/db.qmp
                    reservations: {vcpu: 200us/10ms}
                """);
        cfg = new HostConfigParser(KernelLimits.DEFAULT).parse(f);
        scope = Scopes.config(f);
        w.start(web, "web", 2);
    }

    HostService.Outcome apply() { return s.applyConfig(scope, cfg, Optional.empty(), HostService.Mode.PER_VM); }

    @Test
    void aConvergedHostHasNotDrifted() {
        HostService.Outcome o = apply();
        assertThat(o.changed()).isTrue();
        assertThat(s.drift(cfg, o)).isEmpty();
        assertThat(s.drift(cfg, apply())).as("a reconcile that changed nothing").isEmpty();
    }

    @Test
    void aReservedThreadChangedByAnotherProgramIsFound() {
        HostService.Outcome o = apply();
        int vcpu = w.vms.get(web).threads().get(1).tid();
        w.sched.threads.put(vcpu, SchedAttributes.other());
        assertThat(s.drift(cfg, o)).hasValueSatisfying(d -> assertThat(d).contains("thread " + vcpu).contains("OTHER"));
        assertThat(s.drift(cfg, apply())).as("the reconcile put it back").isEmpty();
    }

    @Test
    void aVmStartingStoppingOrGettingThreadsIsFound() {
        HostService.Outcome o = apply();
        w.start(new VmLocator.Qmp("/run/db.qmp"), "db", 1);
        assertThat(s.drift(cfg, o)).hasValueSatisfying(d -> assertThat(d).contains("vm db"));
        o = apply();
        w.hotplugVcpu(web);
        assertThat(s.drift(cfg, o)).hasValueSatisfying(d -> assertThat(d).contains("vm web"));
        o = apply();
        w.stop(web);
        assertThat(s.drift(cfg, o)).hasValueSatisfying(d -> assertThat(d).contains("vm web"));
    }

    @Test
    void theRecordWrittenByAnotherCommandIsFound() {
        HostService.Outcome o = apply();
        HostService other = new HostService(w.adapters(), w, new RecordStore(dir.resolve("state.json")), CrashPoints.NONE, () -> () -> { });
        other.release(scope);
        assertThat(s.drift(cfg, o)).hasValueSatisfying(d -> assertThat(d).contains("record"));
    }

    @Test
    void withoutAFingerprintTheCheckAsksForAReconcile() {
        HostService.Outcome o = apply();
        HostService.Outcome bare = new HostService.Outcome(o.desired(), o.done(), o.notes(), o.record(), o.threads(), o.repairs());
        assertThat(s.drift(cfg, bare)).isPresent();
    }
}
