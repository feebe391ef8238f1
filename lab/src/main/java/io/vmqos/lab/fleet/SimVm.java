package io.vmqos.lab.fleet;

import io.vmqos.core.config.VmFile;

import java.util.UUID;

/**
 * One VM of the simulation: what its vm.yaml would say, and the share of its SLA rate it carries on average (what lean
 * reservations are sized at). Immutable.
 *
 * @param sizeClass "small", "medium" or "large"
 * @param meanUse mean packet rate as a fraction of its SLA's rate, (0, 1]
 */
public record SimVm(UUID uuid, VmFile file, String sizeClass, double meanUse) {
    public String name() { return file.vm().name(); }
}
