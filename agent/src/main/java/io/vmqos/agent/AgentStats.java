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

    void reconciled(long nanos, HostService.Outcome o) {
        reconciles.incrementAndGet();
        if (o.changed()) changes.incrementAndGet();
        lastNanos = nanos;
    }

    void failed() { failures.incrementAndGet(); }

    void checked() { checks.incrementAndGet(); }

    public long reconciles() { return reconciles.get(); }
    public long failures() { return failures.get(); }
    public long changingReconciles() { return changes.get(); }
    /** Periodic checks that found nothing changed, so ran no reconcile ({@link HostService#drift}). */
    public long quietChecks() { return checks.get(); }
    public long lastReconcileNanos() { return lastNanos; }
}
