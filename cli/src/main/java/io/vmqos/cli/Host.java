package io.vmqos.cli;

import io.vmqos.core.KernelLimits;
import io.vmqos.host.KernelLedgerAccess;
import io.vmqos.host.Reserver;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.KernelParameters;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;

/** The real host's adapters, wired once per command invocation. */
final class Host {
    private final ProcFs proc = new ProcFs();
    private final KernelParameters params = new KernelParameters();
    private final DeadlineLedger deadlineLedger;
    private final LinuxThreadScheduler scheduler;
    private final KernelLedgerAccess ledger;
    private final double hostReserve;

    private Host(double hostReserve) {
        this.hostReserve = hostReserve;
        // EBUSY messages carry the ledger's figures; the ledger reads parameters through a plain scheduler
        LinuxThreadScheduler plain = new LinuxThreadScheduler();
        this.deadlineLedger = new DeadlineLedger(plain);
        this.scheduler = new LinuxThreadScheduler(() -> {
            try {
                return deadlineLedger.read().describe().replace('\n', ';');
            } catch (RuntimeException e) {
                return "";
            }
        });
        this.ledger = new KernelLedgerAccess(deadlineLedger, proc);
    }

    static Host open(CommonOptions common) {
        return new Host(common == null ? Reserver.DEFAULT_HOST_RESERVE : Percent.parse("--host-reserve", common.hostReserve));
    }

    /** The host with the given reserve (a fraction in [0, 1)), e.g. from a host configuration file. */
    static Host withReserve(double hostReserve) { return new Host(hostReserve); }

    ProcFs proc() { return proc; }
    KernelParameters params() { return params; }
    KernelLimits limits() { return params.limits(); }
    LinuxThreadScheduler scheduler() { return scheduler; }
    DeadlineLedger deadlineLedger() { return deadlineLedger; }
    KernelLedgerAccess ledger() { return ledger; }
    double hostReserve() { return hostReserve; }
    Reserver reserver() { return new Reserver(scheduler, ledger, limits(), hostReserve); }
    /** The path transaction over the real host, recording in {@code store}. */
    io.vmqos.host.PathTransaction pathTransaction(io.vmqos.host.PathStateStore store) {
        return new io.vmqos.host.PathTransaction(reserver(), scheduler, io.vmqos.linux.net.IpRoute.system(),
                new io.vmqos.linux.net.TapDiscovery(), store);
    }
}
