package io.vmqos.agent;

import java.util.Set;

/**
 * Runs one {@link Agent} on its own thread (see there for the contract) until {@link #close}: blocks on the
 * {@link Wakeup} between units of work, so an idle agent costs no CPU. An exception from {@code doWork} is logged and
 * the loop goes on (the next wake-up or deadline retries); an {@link Error} stops it.
 */
public final class AgentRunner implements AutoCloseable {
    private final Agent agent;
    private final Wakeup wakeup;
    private final long settleNanos;
    private final Log log;
    private final Thread thread;

    /**
     * @param settleNanos how long to gather further events after the first before working (e.g. 5 ms)
     */
    public AgentRunner(Agent agent, Wakeup wakeup, long settleNanos, Log log) {
        this.agent = agent;
        this.wakeup = wakeup;
        this.settleNanos = settleNanos;
        this.log = log;
        this.thread = new Thread(this::loop, agent.roleName());
    }

    /** Starts the duty thread. */
    public AgentRunner start() {
        thread.start();
        return this;
    }

    private void loop() {
        try {
            agent.onStart();
            while (!wakeup.stopped()) {
                Set<String> reasons = wakeup.await(agent.nextDeadlineNanos(), settleNanos);
                if (wakeup.stopped()) break;
                try {
                    agent.doWork(reasons);
                } catch (RuntimeException e) {
                    log.error("work failed (retried on the next event or tick): " + e.getMessage(), e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                agent.onClose();
            } catch (RuntimeException e) {
                log.error("closing failed: " + e.getMessage(), e);
            }
        }
    }

    /** Stops the loop (after the unit of work in progress), runs {@link Agent#onClose} and waits for the thread. */
    @Override
    public void close() {
        wakeup.stop();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the duty thread ends (e.g. after a signal handler called {@link #close} from another thread). */
    public void join() throws InterruptedException { thread.join(); }
}
