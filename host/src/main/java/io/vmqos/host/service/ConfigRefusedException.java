package io.vmqos.host.service;

import io.vmqos.core.Refusal;
import io.vmqos.core.desired.DesiredState;

/**
 * {@code apply -f} refused: some VM of the configuration cannot be admitted, so nothing was changed. Carries the
 * desired state (with the plan and its refusals) so that the command can print why and what would fit.
 */
public final class ConfigRefusedException extends RuntimeException {
    private final transient DesiredState desired;

    public ConfigRefusedException(DesiredState desired) {
        super(message(desired));
        this.desired = desired;
    }

    public DesiredState desired() { return desired; }

    private static String message(DesiredState d) {
        StringBuilder sb = new StringBuilder("the plan refuses ").append(d.plan().refusals().size()).append(" VM(s), so nothing is applied:");
        for (Refusal r : d.plan().refusals()) sb.append(' ').append(r.message()).append('.');
        return sb.toString();
    }
}
