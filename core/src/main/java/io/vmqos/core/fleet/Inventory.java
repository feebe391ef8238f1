package io.vmqos.core.fleet;

import io.vmqos.core.InvalidInputException;

/**
 * One resource class's inventory on one resource provider, as Placement holds it. Immutable.
 *
 * @param total what the provider has, {@code >= 1}
 * @param reserved what no consumer may take, {@code 0..total}
 * @param minUnit the least one allocation may take, {@code >= 1}
 * @param maxUnit the most one allocation may take, {@code minUnit..}
 * @param stepSize allocations come in multiples of this, {@code >= 1}
 * @param allocationRatio overcommit; 1.0 for deadline bandwidth (never overcommitted)
 */
public record Inventory(long total, long reserved, long minUnit, long maxUnit, long stepSize, double allocationRatio) {
    public Inventory {
        if (total < 1) throw new InvalidInputException("inventory.total", "must be at least 1, got " + total, "publish only root domains with deadline capacity");
        if (reserved < 0 || reserved > total) throw new InvalidInputException("inventory.reserved", reserved + " is outside 0.." + total, "keep reserved within total");
        if (minUnit < 1 || maxUnit < minUnit || stepSize < 1) throw new InvalidInputException("inventory.units", "min_unit " + minUnit + ", max_unit " + maxUnit + ", step_size " + stepSize + " are inconsistent", "give 1 <= min_unit <= max_unit and step_size >= 1");
        if (!(allocationRatio > 0)) throw new InvalidInputException("inventory.allocation_ratio", "must be positive, got " + allocationRatio, "give 1.0");
    }

    /** Capacity as Placement computes it: {@code (total - reserved) × allocation_ratio}, rounded down. */
    public long capacity() { return (long) Math.floor((total - reserved) * allocationRatio); }
}
