package io.vmqos.host.service;

import io.vmqos.core.config.HostConfig;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.observed.KernelFacts;
import io.vmqos.core.observed.ObservedVm;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.reconcile.Live;
import io.vmqos.host.reconcile.LiveThread;
import io.vmqos.host.state.HostRecord;
import io.vmqos.linux.DeadlineThread;

import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Role: what the pipeline reads of the host, read-only: the configured VMs' threads and network paths, the kernel's
 * deadline ledger as {@link KernelFacts}, and the live state of every thread, device and IRQ a reconcile touches.
 * {@link SystemObserver} reads the real host; tests use a fake world. Called on the reconcile's thread; every call is a
 * fresh snapshot.
 */
public interface HostObserver {
    /** The pid of the QEMU {@code locator} names now, found cheaply (see {@link io.vmqos.host.VmFinder#pidOf}). Any thread. */
    default java.util.OptionalInt pidOf(io.vmqos.core.config.VmLocator locator) { return java.util.OptionalInt.empty(); }

    /**
     * What stands behind {@code locator} now, cheaply (no QMP exchange): its process's pid, start time and thread ids,
     * or nothing when none runs. Equal identities: the same QEMU with the same threads (a restart, a vCPU hot-plugged or
     * an iothread added changes it).
     */
    default List<Object> identity(io.vmqos.core.config.VmLocator locator) {
        java.util.OptionalInt pid = pidOf(locator);
        return pid.isEmpty() ? List.of() : List.of(pid.getAsInt());
    }

    /** A thread's scheduling attributes now (one system call), or empty when it is gone. */
    default Optional<io.vmqos.core.SchedAttributes> scheduling(int tid) { return thread(tid).map(LiveThread::attrs); }

    /**
     * The configured VMs found, by name: {@code running}; those not running (QEMU gone: their changes are dropped) with
     * the reason; those {@code unobservable} now (QMP busy or not QMP: they are kept as they are) with the reason; and
     * the devices of {@code host.nics}.
     */
    record VmsSeen(Map<String, ObservedVm> running, Map<String, String> notRunning, Map<String, String> unobservable,
                   List<NetDevice> hostNics, List<String> notes) {}

    VmsSeen vms(HostConfig cfg);

    /** One VM's threads, network path and CPUs. */
    ObservedVm observe(String name, VmThreads threads);

    /** The ledger as the policy plans with it (vmqos partitions folded back into their root domain). */
    KernelFacts facts(HostRecord record);

    /** The live state of everything the desired state and the record name. */
    Live live(DesiredState desired, HostRecord record);

    /** A thread now, or empty when it is gone. */
    Optional<LiveThread> thread(int tid);

    /** The live DEADLINE threads (for rebuilding a lost record). */
    List<DeadlineThread> ledgerThreads();

    /** True when {@code pid} is a QEMU process. */
    boolean isQemu(int pid);

    /** The online CPUs. */
    BitSet onlineCpus();
}
