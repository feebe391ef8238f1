package io.vmqos.cli;

/**
 * Why the one-shot commands do not give SCHED_FLAG_RECLAIM: it lets a DEADLINE thread take up to
 * {@code sched_rt_runtime_us/period} (95%) of its CPU whatever its runtime/period, and only the agent, which samples
 * each reclaiming thread of the VMs it keeps and suspends its reclaim above its ceiling, keeps that bounded. A one-shot
 * command would leave it unbounded once it exits.
 */
final class Reclaim {
    private Reclaim() {}

    /** The refusal of {@code field} (nothing changed), with the fix. */
    static CommandFailedException unbounded(String field, String fix) {
        return new CommandFailedException(Main.REFUSED, field + ": refused, nothing changed: SCHED_FLAG_RECLAIM lets a thread take up to 95% of its CPU "
                + "whatever its reservation, and only the vmqos agent holds a reclaiming thread to its ceiling (fix: " + fix + ")");
    }
}
