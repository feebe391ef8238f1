package io.vmqos.lab.agent;

import io.vmqos.core.config.VmLocator;
import io.vmqos.host.HostLock;
import io.vmqos.host.RunDir;
import io.vmqos.host.config.HostConfigParser;
import io.vmqos.host.service.HostService;
import io.vmqos.host.service.Scopes;
import io.vmqos.host.service.SystemHost;
import io.vmqos.lab.GuestImage;
import io.vmqos.lab.GuestImageBuilder;
import io.vmqos.qemu.VmDiscovery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

class TimingTmpTest {
    @TempDir Path tmp;

    @Test
    void time() throws Exception {
        GuestImage image = new GuestImageBuilder().installMissing(true).build();
        Path qmp = tmp.resolve("t.qmp");
        Process p = new ProcessBuilder("qemu-system-x86_64", "-name", "t,debug-threads=on", "-accel", "tcg", "-m", "96", "-smp", "1",
                "-nodefaults", "-display", "none", "-kernel", image.kernel().toString(), "-initrd", image.initrd().toString(),
                "-append", "console=ttyS0 quiet", "-serial", "null", "-qmp", "unix:" + qmp + ",server=on,wait=off").start();
        try {
            while (!Files.exists(qmp)) Thread.sleep(5);
            Thread.sleep(1000);
            System.setProperty(RunDir.PROPERTY, tmp.resolve("run").toString());
            Path cfg = tmp.resolve("h.yaml");
            Files.writeString(cfg, "vms:\n  - name: t\n    qmp: " + qmp + "\n    reservations: {vcpu: 1ms/10ms, io: 500us/10ms}\n");
            var c = new HostConfigParser(io.vmqos.core.KernelLimits.DEFAULT).parse(cfg);
            SystemHost host = new SystemHost();
            HostService s = host.service(0.1, "t", HostLock.DEFAULT_WAIT);
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                VmDiscovery.viaQmp(qmp);
                long t1 = System.nanoTime();
                var seen = s.observer().vms(c);
                long t2 = System.nanoTime();
                var r = s.record();
                s.observer().facts(r);
                long t3 = System.nanoTime();
                host.deadlineLedger().read();
                long t4 = System.nanoTime();
                s.applyConfig(Scopes.config(cfg), c, Optional.empty(), HostService.Mode.PER_VM);
                long t5 = System.nanoTime();
                s.release(Scopes.config(cfg));
                long t6 = System.nanoTime();
                s.applyConfig(Scopes.config(cfg), c, Optional.empty(), HostService.Mode.PER_VM);
                long t7 = System.nanoTime();
                System.out.printf("TIMING qmp %.1f vms %.1f facts %.1f ledger.read %.1f apply(fresh) %.1f release %.1f apply(again) %.1f ms%n",
                        (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6, (t5 - t4) / 1e6, (t6 - t5) / 1e6, (t7 - t6) / 1e6);
                s.release(Scopes.config(cfg));
            }
        } finally {
            p.destroyForcibly().waitFor();
            System.clearProperty(RunDir.PROPERTY);
        }
    }
}
