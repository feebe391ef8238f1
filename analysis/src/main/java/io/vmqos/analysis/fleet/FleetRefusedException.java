package io.vmqos.analysis.fleet;

/** No reservations vmqos could give meet a VM's SLA, so it asks a fleet for nothing: the message says why and what would fit (bad input is an
 * {@link io.vmqos.core.InvalidInputException} instead). */
public final class FleetRefusedException extends RuntimeException {
    public FleetRefusedException(String message) { super(message); }
}
