package io.vmqos.testing;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.LedgerSnapshot;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.RootDomainLedger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * JUnit extension for kernel test classes: after the class, no thread of this JVM may be SCHED_DEADLINE, the
 * kernel's ledger must not be leaked (it is repaired, then checked), and its counter, less what other programs'
 * DEADLINE threads hold, must be back where it was before the class (±1% of one CPU).
 */
public final class HostGuard implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(HostGuard.class);

    @Override
    public void beforeAll(ExtensionContext ctx) {
        if (!"root".equals(System.getProperty("user.name"))) return;
        ctx.getStore(NS).put("total", total(ledger().read()));
    }

    @Override
    public void afterAll(ExtensionContext ctx) {
        CpuBandwidth before = ctx.getStore(NS).get("total", CpuBandwidth.class);
        if (before == null) return;
        LinuxThreadScheduler sched = new LinuxThreadScheduler();
        ProcFs proc = new ProcFs();
        List<Integer> leftovers = new ArrayList<>();
        for (int tid : proc.threadsOf((int) ProcessHandle.current().pid())) {
            try {
                if (sched.get(tid).isDeadline()) leftovers.add(tid);
            } catch (RuntimeException gone) {
                // exited meanwhile
            }
        }
        if (!leftovers.isEmpty()) throw new AssertionError("test class left DEADLINE threads behind: " + leftovers);
        DeadlineLedger ledger = ledger();
        var repair = ledger.repairIfLeaked();
        if (!repair.success()) throw new AssertionError("ledger still leaked after the tests:\n" + repair.describe());
        // other programs' DEADLINE threads that start or exit between the thread walk and the kernel's counter make one
        // read off by their bandwidth: a real change stays, so read again a few times before failing
        CpuBandwidth after = total(ledger.read());
        long tolerance = CpuBandwidth.ONE_CPU.kernelUnits() / 100;
        for (int i = 0; i < 5 && Math.abs(after.minus(before).kernelUnits()) > tolerance; i++) {
            pause();
            after = total(ledger.read());
        }
        if (Math.abs(after.minus(before).kernelUnits()) > tolerance) {
            throw new AssertionError("kernel deadline counter moved from " + before.percent() + " to " + after.percent());
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static DeadlineLedger ledger() { return new DeadlineLedger(new LinuxThreadScheduler()); }

    /**
     * The kernel counter less what other programs' DEADLINE threads hold (other test runs may share the machine):
     * what this JVM, its children and any leak account for.
     */
    private static CpuBandwidth total(LedgerSnapshot s) {
        CpuBandwidth t = CpuBandwidth.ZERO;
        for (RootDomainLedger d : s.domains()) t = t.plus(d.kernelTotal());
        long me = ProcessHandle.current().pid();
        for (var th : s.threads()) if (!ours(th.pid(), me)) t = t.minus(th.bandwidth());
        return t;
    }

    private static boolean ours(long pid, long me) {
        for (var p = ProcessHandle.of(pid); p.isPresent(); p = p.get().parent()) {
            if (p.get().pid() == me) return true;
        }
        return false;
    }
}
