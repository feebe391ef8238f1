package io.vmqos.agent;

import io.vmqos.core.config.HostConfig;
import io.vmqos.placement.PlacementSync;

import java.util.function.Function;

/**
 * The agent's publisher: its own daemon thread publishes the host into Placement whenever the duty thread says
 * something changed ({@link #changed}, which never blocks), and every {@link #SAFETY_NET_NANOS} besides, so that a
 * slow or dead Placement never delays the duty thread. The host is "dirty" until a publish succeeds; a failure is
 * logged once per outage, retried after 1 s, doubling up to 60 s, and the catch-up logged when Placement answers
 * again. Stopped by {@link #close}.
 */
public final class PlacementWorker implements AutoCloseable {
    /** A publish even when nothing changed: Placement may have lost or been given something meanwhile. */
    public static final long SAFETY_NET_NANOS = 60_000_000_000L;
    static final long FIRST_RETRY_NANOS = 1_000_000_000L;
    static final long LAST_RETRY_NANOS = 60_000_000_000L;

    private final Function<HostConfig, PlacementSync.Report> publish;
    private final Log log;
    private final AgentStats stats;
    private final Thread thread;
    private HostConfig config;
    private boolean dirty;
    private boolean closed;

    /** @param publish one publish of the configuration's host (called on the worker's thread) */
    public PlacementWorker(Function<HostConfig, PlacementSync.Report> publish, Log log, AgentStats stats) {
        this.publish = publish;
        this.log = log;
        this.stats = stats;
        this.thread = Thread.ofPlatform().daemon().name("vmqos-placement").unstarted(this::run);
    }

    public void start() { thread.start(); }

    /** What is reserved may have changed under {@code cfg} (the agent's effective configuration): publish it. Any thread; never blocks. */
    public synchronized void changed(HostConfig cfg) {
        config = cfg;
        dirty = true;
        if (cfg.placement().isPresent()) stats.placementDirty();
        notifyAll();
    }

    private void run() {
        long retry = FIRST_RETRY_NANOS;
        boolean failing = false;
        while (true) {
            HostConfig cfg;
            synchronized (this) {
                long until = System.nanoTime() + (failing ? retry : SAFETY_NET_NANOS);
                while (!closed && (!dirty || failing) && System.nanoTime() < until) {
                    try {
                        wait(Math.max(1, (until - System.nanoTime()) / 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) return;
                if (config == null || config.placement().isEmpty()) { dirty = false; continue; }
                cfg = config;
                dirty = false;
            }
            try {
                PlacementSync.Report r = publish.apply(cfg);
                synchronized (this) { if (!dirty) stats.placementPublished(); }
                if (failing) log.info("placement " + cfg.placement().get().url() + " answers again: published, caught up" + (r.changes().isEmpty() ? "" : ": " + String.join("; ", r.changes())));
                else if (!r.changes().isEmpty()) log.info("published into placement: " + String.join("; ", r.changes()));
                failing = false;
                retry = FIRST_RETRY_NANOS;
            } catch (RuntimeException e) {
                stats.placementFailed();
                if (!failing) log.warn("publishing into placement failed, retrying with backoff until it answers (the host is out of sync meanwhile): " + e.getMessage());
                else retry = Math.min(LAST_RETRY_NANOS, retry * 2);
                failing = true;
                synchronized (this) { dirty = true; }
            }
        }
    }

    /** Stops the worker (a publish under way finishes, bounded by the client's timeouts). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        thread.interrupt();
    }
}
