package io.vmqos.cli;

import io.vmqos.core.KernelLimits;
import io.vmqos.host.KernelLedgerAccess;
import io.vmqos.host.Reserver;
import io.vmqos.host.service.HostService;
import io.vmqos.host.service.SystemHost;
import io.vmqos.host.state.RecordStore;
import io.vmqos.linux.DeadlineLedger;
import io.vmqos.linux.KernelParameters;
import io.vmqos.linux.LinuxThreadScheduler;
import io.vmqos.linux.ProcFs;

import java.time.Duration;

/** The real host ({@link SystemHost}) with the host reserve a command runs with, wired once per command invocation. */
final class Host {
    private final SystemHost system = new SystemHost();
    private final double hostReserve;

    private Host(double hostReserve) { this.hostReserve = hostReserve; }

    static Host open(CommonOptions common) {
        return new Host(common == null ? Reserver.DEFAULT_HOST_RESERVE : Percent.parse("--host-reserve", common.hostReserve));
    }

    /** The host with the given reserve (a fraction in [0, 1)), e.g. from a host configuration file. */
    static Host withReserve(double hostReserve) { return new Host(hostReserve); }

    ProcFs proc() { return system.proc(); }
    KernelParameters params() { return system.params(); }
    KernelLimits limits() { return system.params().limits(); }
    LinuxThreadScheduler scheduler() { return system.scheduler(); }
    DeadlineLedger deadlineLedger() { return system.deadlineLedger(); }
    KernelLedgerAccess ledger() { return system.ledger(); }
    double hostReserve() { return hostReserve; }
    Reserver reserver() { return system.reserver(hostReserve); }

    /** The record of every change vmqos made. */
    static RecordStore store() { return SystemHost.store(); }

    /**
     * The pipeline over the real host for a one-shot command, taking the host lock ({@code what} names the holder) for
     * each reconcile, and waiting up to {@link HostService#COMMAND_SLEEPER_WAIT} for pinned sleepers.
     */
    HostService service(String what, Duration lockWait) { return system.service(hostReserve, what, lockWait).waitingForSleepers(HostService.COMMAND_SLEEPER_WAIT); }

    /** The pipeline for the agent: it polls pinned sleepers between reconciles instead of waiting for them. */
    /** The agent's metrics, read from this host. */
    io.vmqos.agent.metrics.HostMetrics metrics(io.vmqos.agent.HostAgent agent, io.vmqos.agent.AgentStats stats) {
        return new io.vmqos.agent.metrics.HostMetrics(agent::lastReconcile, stats, proc(), scheduler(), deadlineLedger()::readOnce, traffic(),
                agent::offeredLoads, agent::budgets);
    }

    /** The VMs' tap counters, read on this host. */
    io.vmqos.agent.VmTraffic traffic() {
        io.vmqos.linux.net.TapDiscovery taps = new io.vmqos.linux.net.TapDiscovery();
        io.vmqos.linux.net.TapCounters counters = new io.vmqos.linux.net.TapCounters(io.vmqos.linux.net.IpRoute.system());
        return new io.vmqos.agent.VmTraffic(taps::tapsOf, counters::read);
    }

    HostService agentService(String what) { return system.service(hostReserve, what, io.vmqos.host.HostLock.DEFAULT_WAIT); }
}
