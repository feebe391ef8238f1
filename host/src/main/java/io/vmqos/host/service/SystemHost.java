package io.vmqos.host.service;

import io.vmqos.host.HostLock;
import io.vmqos.host.KernelLedgerAccess;
import io.vmqos.host.Reserver;
import io.vmqos.host.RunDir;
import io.vmqos.host.VmFinder;
import io.vmqos.host.reconcile.CrashPoints;
import io.vmqos.host.reconcile.HostAdapters;
import io.vmqos.host.state.RecordStore;
import io.vmqos.linux.CpuPartitions;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.KernelParameters;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;
import io.vmqos.linux.net.Interrupts;
import io.vmqos.linux.net.LinkShaper;
import io.vmqos.linux.net.SystemPathDiscovery;
import io.vmqos.linux.net.ThreadedNapi;

import java.time.Duration;

/**
 * The real host's adapters wired into the pipeline: sched_setattr (whose EBUSY messages carry the ledger's figures),
 * the deadline ledger, threaded NAPI, tc, IRQ affinity, cpuset partitions, path discovery, the record in the run
 * directory and the host lock. One per command or agent; not shared between threads except through the lock.
 */
public final class SystemHost {
    private final ProcFs proc = new ProcFs();
    private final KernelParameters params = new KernelParameters();
    private final DeadlineLedger deadlineLedger;
    private final LinuxThreadScheduler scheduler;
    private final KernelLedgerAccess ledger;
    private final CpuPartitions partitions;

    public SystemHost() {
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
        this.partitions = CpuPartitions.available().orElse(CpuPartitions.none());
    }

    public ProcFs proc() { return proc; }
    public KernelParameters params() { return params; }
    public DeadlineLedger deadlineLedger() { return deadlineLedger; }
    public LinuxThreadScheduler scheduler() { return scheduler; }
    public KernelLedgerAccess ledger() { return ledger; }

    /** A transaction over thread attributes keeping {@code hostReserve} of each root domain for the host. */
    public Reserver reserver(double hostReserve) { return new Reserver(scheduler, ledger, params.limits(), hostReserve); }

    /** The record of every change vmqos made: {@code state.json} in the run directory. */
    public static RecordStore store() { return new RecordStore(RunDir.path().resolve("state.json")); }

    /** The adapters reconcile steps change the host through. */
    public HostAdapters adapters(double hostReserve) {
        return new HostAdapters(this::reserver, hostReserve, ThreadedNapi.system(), LinkShaper.system(), new Interrupts(), partitions);
    }

    /** What reads the host for the pipeline. */
    public SystemObserver observer() {
        return new SystemObserver(VmFinder.system(), SystemPathDiscovery.system(), proc, scheduler, deadlineLedger, params, ThreadedNapi.system(),
                LinkShaper.system(), new Interrupts(), partitions);
    }

    /** The pipeline, taking the host lock ({@code what} names the holder, waiting up to {@code lockWait}) for each reconcile. */
    public HostService service(double hostReserve, String what, Duration lockWait) {
        return new HostService(adapters(hostReserve), observer(), store(), CrashPoints.fromEnvironment(), () -> HostLock.acquire(what, lockWait));
    }
}
