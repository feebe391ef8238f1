package io.vmqos.lab.libvirt;

import io.vmqos.core.SchedPolicy;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.GuestImageBuilder;
import io.vmqos.lab.LabSetupException;
import io.vmqos.lab.Packages;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.qemu.VmDiscovery;
import io.vmqos.lab.AgentProcess;
import io.vmqos.testing.HookRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The libvirt hook on the real libvirtd: {@code vmqos hook install} writes /etc/libvirt/hooks/qemu.d/vmqos, libvirtd
 * runs it, and the agent (started on a {@code vms: []} host.yaml, so everything comes from the domains' XML):
 * reserves a TCG domain with vmqos metadata by the time {@code virsh create} returns (and within 1 s of it), releases
 * it on {@code virsh destroy}, and refuses a domain that does not fit, with the reason in virsh's error. The
 * destination side of a migration ({@code migrate begin}) is the same admission, called here as libvirt calls it (a
 * real migration needs a second host). Leaves no hook, domain or reservation behind.
 */
class LibvirtHookLabTest {
    static final String NS = "http://vmqos.io/xmlns/libvirt/1";
    static final Path HOOK = Path.of("/etc/libvirt/hooks/qemu.d/vmqos");
    @TempDir Path tmp;

    static String metadata(String reservations) {
        return "<vmqos:vm xmlns:vmqos='" + NS + "'><vmqos:reservations " + reservations + "/></vmqos:vm>";
    }

    @Test
    void domainsWithMetadataAreAdmittedReservedAndReleasedThroughTheHook() throws Exception {
        assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled (-Dvmqos.kernel.tests=false)");
        assumeTrue(Packages.isRoot(), "needs root: libvirt's system daemon, SCHED_DEADLINE");
        assumeTrue(!Files.exists(HOOK), HOOK + " exists: an operator's vmqos hook is installed here; not touched");
        GuestImage image = new GuestImageBuilder().installMissing(true).build();
        boolean hooksDirBefore = Files.exists(HOOK.getParent().getParent()), qemuDirBefore = Files.exists(HOOK.getParent());
        Path cfg = tmp.resolve("host.yaml");
        Files.writeString(cfg, "vms: []\n");
        Path run = tmp.resolve("run");
        List<AutoCloseable> open = new ArrayList<>();
        try {
            AgentProcess agent = AgentProcess.start(cfg, run, tmp.resolve("agent.log"), Map.of(), "--interval", "10s");
            open.add(agent);
            open.add(() -> AgentProcess.cli(run, "release", "-f", cfg.toString()));
            assertThat(agent.await("reconciled \\(start\\)|vmqos agent pid", Duration.ofSeconds(60))).as(agent.log()).isTrue();
            assertThat(agent.await("control socket", Duration.ofSeconds(30))).as(agent.log()).isTrue();

            String[] inst = AgentProcess.cli(run, "hook", "install", "--jar", System.getProperty("java.class.path"), "--run-dir", run.toString(), "--cache-dir", tmp.resolve("cache").toString());
            open.add(() -> AgentProcess.cli(run, "hook", "uninstall", "--cache-dir", tmp.resolve("cache").toString()));
            assertThat(inst[0]).as(inst[2]).isEqualTo("0");
            assertThat(HOOK).isExecutable();
            assertThat(Files.readString(HOOK)).contains("HookMain").contains("VMQOS_RUN_DIR");
            LibvirtLab lab = LibvirtLab.start(); // a libvirtd it starts reads the hook; a running one was reloaded by install
            open.add(lab);

            // 1. a domain that fits: reserved by the time virsh create returns
            DomainSpec spec = DomainSpec.random();
            Watcher w = Watcher.start(spec.name());
            LibvirtDomain d;
            try {
                d = lab.startDomain(image, spec, Duration.ofSeconds(180), metadata("vcpu='1ms/10ms' io='1ms/10ms'"));
            } finally {
                w.stop();
            }
            open.add(d);
            long createdAt = d.createdAtNanos();
            System.out.printf("hook: QEMU pid file after %.1f ms; all vCPU and main-loop threads DEADLINE after %.1f ms; virsh create returned after %.1f ms"
                            + " (reserved %.1f ms %s it returned)%n", (w.pidFileAt.get() - w.t0) / 1e6, (w.reservedAt.get() - w.t0) / 1e6,
                    (createdAt - w.t0) / 1e6, Math.abs(w.reservedAt.get() - createdAt) / 1e6, w.reservedAt.get() <= createdAt ? "before" : "after");
            assertThat(w.reservedAt.get()).as("reserved\n" + agent.log()).isPositive();
            assertThat(w.reservedAt.get() - createdAt).as("reserved within 1 s of virsh create").isLessThan(1_000_000_000L);
            VmThreads vm = VmDiscovery.viaLibvirtDomain(spec.name());
            LinuxThreadScheduler sched = new LinuxThreadScheduler();
            for (VmThread t : vm.vcpus()) {
                assertThat(sched.get(t.tid()).policy()).isEqualTo(SchedPolicy.DEADLINE);
                assertThat(sched.get(t.tid()).runtimeNs()).isEqualTo(1_000_000L);
            }
            assertThat(agent.log()).contains("vm " + spec.name() + ": admitted at libvirt prepare begin");
            assertThat(agent.log()).contains("libvirt started it");

            // 2. a domain that does not fit: virsh create fails with vmqos's reason, nothing runs
            DomainSpec big = DomainSpec.random();
            assertThatThrownBy(() -> lab.startDomain(image, big, Duration.ofSeconds(60), metadata("vcpu='9500us/10ms'")))
                    .isInstanceOf(LabSetupException.class).hasMessageContaining("refused by vmqos")
                    .hasMessageContaining(big.name());
            assertThat(Virsh.allDomainNames()).doesNotContain(big.name());
            assertThat(agent.log()).contains("vm " + big.name() + ": refused at libvirt prepare begin");

            // 3. migrate begin on this host as destination: the same admission, called as libvirt calls it
            String fits = d.xml().replace(spec.name(), "vqlv-incoming").replace(metadata("vcpu='1ms/10ms' io='1ms/10ms'"), metadata("vcpu='1ms/10ms'"));
            String huge = fits.replace(metadata("vcpu='1ms/10ms'"), metadata("vcpu='9500us/10ms'"));
            HookRun ok = HookRun.of(HOOK, fits, "vqlv-incoming", "migrate", "begin");
            assertThat(ok.exit()).as(ok.err()).isZero();
            assertThat(ok.out()).as("nothing on stdout: libvirt would take it as a new XML").isEmpty();
            HookRun no = HookRun.of(HOOK, huge, "vqlv-incoming", "migrate", "begin");
            assertThat(no.exit()).isEqualTo(1);
            assertThat(no.err()).contains("refused by vmqos");

            // 4. a restarted agent keeps the running domain from libvirt's status file alone: a reservation another
            //    program takes away is put back by its periodic check
            assertThat(agent.term()).isIn(0, 143);
            agent = AgentProcess.start(cfg, run, tmp.resolve("agent2.log"), Map.of(), "--interval", "1s");
            open.add(agent);
            assertThat(agent.await("control socket", Duration.ofSeconds(60))).as(agent.log()).isTrue();
            Thread.sleep(2000);
            int vcpu = vm.vcpus().getFirst().tid();
            Process chrt = new ProcessBuilder("chrt", "-o", "-p", "0", String.valueOf(vcpu)).redirectErrorStream(true).start();
            assertThat(chrt.waitFor()).isZero();
            assertThat(agent.await("reconciled \\(thread " + vcpu + " .* is OTHER", Duration.ofSeconds(15))).as(agent.log()).isTrue();
            long until = System.nanoTime() + 5_000_000_000L;
            while (sched.get(vcpu).policy() != SchedPolicy.DEADLINE && System.nanoTime() < until) Thread.sleep(20);
            assertThat(sched.get(vcpu).policy()).as(agent.log()).isEqualTo(SchedPolicy.DEADLINE);

            // 5. destroy: released, the ledger back where it was
            d.close();
            assertThat(agent.await("vm " + spec.name() + ": libvirt released it; vmqos holds nothing for it\n", Duration.ofSeconds(10))).as(agent.log()).isTrue();
            String[] show = AgentProcess.cli(run, "show", "--json");
            assertThat(show[1]).doesNotContain(spec.name());
            assertThat(agent.term()).isIn(0, 143);
        } finally {
            for (int i = open.size() - 1; i >= 0; i--) {
                try { open.get(i).close(); } catch (Exception e) { System.err.println("cleanup: " + e); }
            }
        }
        assertThat(HOOK).doesNotExist();
        if (!qemuDirBefore) assertThat(HOOK.getParent()).as("uninstall removes the directory install made").doesNotExist();
        if (!hooksDirBefore) Files.deleteIfExists(HOOK.getParent().getParent()); // /etc/libvirt/hooks, made by install for this test
        var repair = new io.vmqos.linux.DeadlineLedger(new LinuxThreadScheduler()).repairIfLeaked();
        assertThat(repair.success()).as("no leaked deadline bandwidth: " + repair.describe()).isTrue();
    }

    /** Polls, every millisecond, when the domain's pid file appears and when its vCPU and main-loop threads are all DEADLINE. */
    static final class Watcher {
        final long t0 = System.nanoTime();
        final AtomicLong pidFileAt = new AtomicLong(), reservedAt = new AtomicLong();
        private volatile boolean stop;
        private Thread thread;

        static Watcher start(String name) {
            Watcher w = new Watcher();
            LinuxThreadScheduler sched = new LinuxThreadScheduler();
            w.thread = Thread.ofPlatform().daemon().start(() -> {
                while (!w.stop && w.reservedAt.get() == 0) {
                    try {
                        if (Files.exists(LibvirtDomain.pidFile(name))) {
                            w.pidFileAt.compareAndSet(0, System.nanoTime());
                            VmThreads vm = VmDiscovery.viaLibvirtDomain(name);
                            boolean all = !vm.vcpus().isEmpty();
                            for (VmThread t : vm.vcpus()) all &= sched.get(t.tid()).policy() == SchedPolicy.DEADLINE;
                            all &= sched.get(vm.mainLoop().tid()).policy() == SchedPolicy.DEADLINE;
                            if (all) w.reservedAt.set(System.nanoTime());
                        }
                    } catch (RuntimeException notYet) {
                        // QEMU starting: threads not named yet, or gone
                    }
                    try { Thread.sleep(1); } catch (InterruptedException e) { return; }
                }
            });
            return w;
        }

        void stop() throws InterruptedException {
            stop = true;
            thread.join();
        }
    }
}
