package io.vmqos.host.service;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.StageKind;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmLocator;
import io.vmqos.core.vm.VmThread;
import io.vmqos.host.config.HostConfigParser;
import io.vmqos.host.reconcile.CrashPoints;
import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.RecordStore;
import io.vmqos.testing.FakeWorld;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pipeline on a fake host (no root): 50 VMs coming and going in random order (started, stopped, restarted with a
 * new pid, a vCPU hot-plugged, added to and removed from the configuration, resized), some with a NAPI reservation on
 * the veth they all share and some shaped; after every event the agent's reconcile must leave the host exactly at the
 * desired state, and releasing the configuration must put everything back.
 */
class ReconcileProperties {
    static final int VMS = 50;

    enum Kind { START, STOP, RESTART, HOTPLUG, ADD, REMOVE, RESIZE }

    record Event(Kind kind, int vm) {}

    @Provide
    Arbitrary<List<Event>> scripts() {
        return Combinators.combine(Arbitraries.of(Kind.class), Arbitraries.integers().between(0, VMS - 1)).as(Event::new)
                .list().ofMinSize(20).ofMaxSize(120);
    }

    /** The configuration: which VMs are in it, and each one's vCPU runtime in µs. */
    static final class Config {
        final BitSet in = new BitSet();
        final Map<Integer, Integer> vcpuUs = new TreeMap<>();

        Config() {
            in.set(0, VMS);
            for (int i = 0; i < VMS; i++) vcpuUs.put(i, 100);
        }

        String yaml() {
            StringBuilder sb = new StringBuilder("vms:\n");
            for (int i = in.nextSetBit(0); i >= 0; i = in.nextSetBit(i + 1)) {
                sb.append("  - name: vm").append(i).append("\n    qmp: /run/vm").append(i).append(".qmp\n");
                sb.append("    reservations: {vcpu: ").append(vcpuUs.get(i)).append("us/100ms, io: 100us/100ms")
                        .append(i % 5 == 0 ? ", napi: 50us/10ms" : "").append("}\n");
                if (i % 7 == 0) sb.append("    shaping: {rate: 10mbit}\n");
            }
            return sb.toString();
        }
    }

    static VmLocator locator(int i) { return new VmLocator.Qmp("/run/vm" + i + ".qmp"); }

    @Property(tries = 25)
    void theHostAlwaysEndsAtTheDesiredState(@ForAll("scripts") List<Event> script) throws IOException {
        Path dir = Files.createTempDirectory("vmqos-prop");
        try {
            FakeWorld w = new FakeWorld();
            HostService s = new HostService(w.adapters(), w, new RecordStore(dir.resolve("state.json")), CrashPoints.NONE, () -> () -> { });
            Config c = new Config();
            for (int i = 0; i < VMS; i += 2) w.start(locator(i), "vm" + i, 1 + i % 2);
            String scope = Scopes.config(dir.resolve("host.yaml"));
            HostConfig cfg = parse(dir, c);
            HostService.Outcome last = s.applyConfig(scope, cfg, Optional.empty(), HostService.Mode.PER_VM);
            assertConverged(w, cfg, s.record());
            for (Event e : script) {
                VmLocator l = locator(e.vm());
                List<Object> before = w.identity(l);
                switch (e.kind()) {
                    case START -> { if (!w.vms.containsKey(l)) w.start(l, "vm" + e.vm(), 1); }
                    case STOP -> w.stop(l);
                    case RESTART -> { w.stop(l); w.start(l, "vm" + e.vm(), 2); }
                    case HOTPLUG -> { if (w.vms.containsKey(l)) w.hotplugVcpu(l); }
                    case ADD -> c.in.set(e.vm());
                    case REMOVE -> { c.in.clear(e.vm()); if (c.in.isEmpty()) c.in.set((e.vm() + 1) % VMS); }
                    case RESIZE -> c.vcpuUs.put(e.vm(), 100 + 50 * (c.vcpuUs.get(e.vm()) / 50 % 4));
                }
                // the agent's periodic check sees every change of a configured VM's QEMU or threads
                if (c.in.get(e.vm()) && !w.identity(l).equals(before)) assertThat(s.drift(cfg, last)).as(e.toString()).isPresent();
                cfg = parse(dir, c);
                last = s.applyConfig(scope, cfg, Optional.empty(), HostService.Mode.PER_VM);
                assertConverged(w, cfg, s.record());
                assertThat(s.drift(cfg, last)).as("after " + e + ": a converged host has not drifted").isEmpty();
            }
            s.release(scope);
            assertReleased(w, s.record());
        } finally {
            try (var f = Files.walk(dir)) {
                f.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Stands for the process dying at a crash point: not caught by the executor, so nothing is undone. */
    static final class Crash extends Error {
        Crash() { super("crashed"); }
    }

    /**
     * Like a {@code kill -9} at any point of any reconcile: the process dies between two steps or two record writes,
     * and the next one (a new process: a new service on the same record file) must converge, and release put back.
     */
    @Property(tries = 25)
    void aCrashAtAnyPointConvergesOnTheNextRun(@ForAll("scripts") List<Event> script, @ForAll("crashPoints") List<Integer> crashes) throws IOException {
        Path dir = Files.createTempDirectory("vmqos-crash");
        try {
            FakeWorld w = new FakeWorld();
            RecordStore store = new RecordStore(dir.resolve("state.json"));
            Config c = new Config();
            for (int i = 0; i < VMS; i += 3) w.start(locator(i), "vm" + i, 1);
            String scope = Scopes.config(dir.resolve("host.yaml"));
            int k = 0;
            for (Event e : script) {
                VmLocator l = locator(e.vm());
                switch (e.kind()) {
                    case START, HOTPLUG -> { if (!w.vms.containsKey(l)) w.start(l, "vm" + e.vm(), 1); }
                    case STOP -> w.stop(l);
                    case RESTART -> { w.stop(l); w.start(l, "vm" + e.vm(), 1); }
                    case ADD -> c.in.set(e.vm());
                    case REMOVE -> { c.in.clear(e.vm()); if (c.in.isEmpty()) c.in.set((e.vm() + 1) % VMS); }
                    case RESIZE -> c.vcpuUs.put(e.vm(), 100 + 50 * (c.vcpuUs.get(e.vm()) / 50 % 4));
                }
                HostConfig cfg = parse(dir, c);
                int at = crashes.get(k++ % crashes.size());
                int[] n = {0};
                HostService dying = new HostService(w.adapters(), w, store, point -> { if (++n[0] == at) throw new Crash(); }, () -> () -> { });
                try {
                    dying.applyConfig(scope, cfg, Optional.empty(), HostService.Mode.PER_VM);
                } catch (Crash crashed) {
                    // the process died here; a new one starts
                }
                HostService next = new HostService(w.adapters(), w, store, CrashPoints.NONE, () -> () -> { });
                next.applyConfig(scope, cfg, Optional.empty(), HostService.Mode.PER_VM);
                assertConverged(w, cfg, next.record());
            }
            int at = crashes.getFirst();
            int[] n = {0};
            try {
                new HostService(w.adapters(), w, store, point -> { if (++n[0] == at) throw new Crash(); }, () -> () -> { }).release(scope);
            } catch (Crash crashed) {
                // died halfway through the release
            }
            HostService last = new HostService(w.adapters(), w, store, CrashPoints.NONE, () -> () -> { });
            last.release(scope);
            assertReleased(w, last.record());
        } finally {
            try (var f = Files.walk(dir)) {
                f.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Provide
    Arbitrary<List<Integer>> crashPoints() { return Arbitraries.integers().between(1, 40).list().ofMinSize(1).ofMaxSize(10); }

    static HostConfig parse(Path dir, Config c) throws IOException {
        Path f = dir.resolve("host.yaml");
        Files.writeString(f, c.yaml());
        return new HostConfigParser(KernelLimits.DEFAULT).parse(f);
    }

    /** Every running configured VM's vCPUs and main loop reserved as the file says; nothing else of vmqos's left. */
    static void assertConverged(FakeWorld w, HostConfig cfg, HostRecord r) {
        List<Integer> expected = new ArrayList<>();
        boolean napi = false;
        for (var vm : cfg.vms()) {
            FakeWorld.Vm running = w.vms.get(vm.locator());
            if (running == null) continue;
            Reservation vcpu = vm.explicit().get(StageKind.VCPU);
            Reservation ioRes = vm.explicit().get(StageKind.IO);
            napi |= vm.explicit().containsKey(StageKind.NAPI);
            for (VmThread t : running.threads()) {
                SchedAttributes a = w.sched.threads.get(t.tid());
                switch (t.role()) {
                    case VCPU -> { assertThat(a).as("%s %s", vm.name(), t.name()).isEqualTo(SchedAttributes.deadline(vcpu)); expected.add(t.tid()); }
                    case MAIN_LOOP -> { assertThat(a).as("%s main loop", vm.name()).isEqualTo(SchedAttributes.deadline(ioRes)); expected.add(t.tid()); }
                    default -> assertThat(a.isDeadline()).as("%s %s", vm.name(), t.name()).isFalse();
                }
            }
            assertThat(w.shaped.containsKey(new io.vmqos.core.desired.DeviceRef(running.tap(), null))).as("%s shaped", vm.name())
                    .isEqualTo(vm.shaping().isPresent());
        }
        assertThat(w.threaded.get(FakeWorld.VETH)).as("veth NAPI threaded").isEqualTo(napi ? "1" : "0");
        if (napi) {
            int napiTid = w.napiThreadOf.get(FakeWorld.VETH);
            assertThat(w.sched.threads.get(napiTid).isDeadline()).as("the shared NAPI thread is reserved").isTrue();
            expected.add(napiTid);
        }
        // no DEADLINE thread of a stopped or unconfigured VM, and the record holds exactly the reserved threads
        for (var e : w.sched.threads.entrySet()) if (e.getValue().isDeadline()) assertThat(expected).contains(e.getKey());
        assertThat(r.threads()).extracting(HostRecord.ThreadEntry::tid).containsExactlyInAnyOrderElementsOf(expected);
        for (HostRecord.ThreadEntry e : r.threads()) assertThat(e.before()).isEqualTo(io.vmqos.host.state.StoredAttrs.of(SchedAttributes.other()));
    }

    static void assertReleased(FakeWorld w, HostRecord r) {
        for (var e : w.sched.threads.entrySet()) assertThat(e.getValue()).as("thread %d", e.getKey()).isEqualTo(SchedAttributes.other());
        assertThat(w.threaded.get(FakeWorld.VETH)).isEqualTo("0");
        assertThat(w.shaped).isEmpty();
        for (var q : w.qdiscs.values()) assertThat(q).containsExactly(FakeWorld.DEFAULT_QDISC);
        assertThat(r.isEmpty()).as("record after release: %s", r).isTrue();
    }
}
