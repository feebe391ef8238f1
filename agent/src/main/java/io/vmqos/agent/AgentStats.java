package io.vmqos.agent;

import io.vmqos.host.service.HostService;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the agent has done, for logs, {@code vmqos agent --status} and metrics: reconciles, failures, quiet periodic
 * checks, and the duration of the last reconcile. Written by the duty thread, read by any.
 */
public final class AgentStats {
    private final AtomicLong reconciles = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong checks = new AtomicLong();
    private volatile long lastNanos;
    /**
     * From the event that brought a VM's new threads (its QEMU appearing, restarting, naming a thread) to the end of
     * the reconcile that reserved them: what a VM runs unprotected.
     */
    private final io.prometheus.metrics.core.metrics.Histogram protect = io.prometheus.metrics.core.metrics.Histogram.builder()
            .name("vmqos_agent_protect_seconds").help("Time from the event that brought a VM new threads to their reservation")
            .classicOnly().classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).build();

    void reconciled(long nanos, HostService.Outcome o) {
        reconciles.incrementAndGet();
        if (o.changed()) changes.incrementAndGet();
        lastNanos = nanos;
    }

    void failed() { failures.incrementAndGet(); }

    private final AtomicLong placementFailures = new AtomicLong();
    private volatile int placementInSync = -1;

    /** Publishes into Placement that failed (each retried with backoff). */
    public long placementFailures() { return placementFailures.get(); }

    /** 1 when Placement holds what the host holds (the last publish succeeded and nothing changed since), 0 when not, -1 without placement. */
    public int placementInSync() { return placementInSync; }

    void placementFailed() { placementFailures.incrementAndGet(); placementInSync = 0; }

    void placementDirty() { placementInSync = 0; }

    void placementPublished() { placementInSync = 1; }

    void checked() { checks.incrementAndGet(); }

    void protectedAfter(long nanos) { protect.observe(nanos / 1e9); }

    /** The histogram of {@link #protectedAfter} times, for the metrics registry. */
    public io.prometheus.metrics.core.metrics.Histogram protectTimes() { return protect; }

    public long reconciles() { return reconciles.get(); }
    public long failures() { return failures.get(); }
    public long changingReconciles() { return changes.get(); }
    /** Periodic checks that found nothing changed, so ran no reconcile ({@link HostService#drift}). */
    public long quietChecks() { return checks.get(); }
    public long lastReconcileNanos() { return lastNanos; }
}
