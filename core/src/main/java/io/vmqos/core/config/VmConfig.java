package io.vmqos.core.config;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Reservation;
import io.vmqos.core.StageKind;
import io.vmqos.core.net.ShapingSpec;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * One VM of the host configuration. Immutable.
 *
 * @param name unique name of the VM in the file (used in plans and thread labels)
 * @param locator how to find its QEMU process
 * @param rx SLA of host → VM traffic, if any
 * @param tx SLA of VM → host traffic, if any
 * @param explicit reservations the operator fixed per stage; sizing leaves those stages alone (may be empty)
 * @param shaping the VM's link share for tc, if any (the file gives no leaf qdisc)
 * @param reclaim SCHED_FLAG_RECLAIM on its reserved threads: each may use the bandwidth others leave (GRUB), up to
 *     its ceiling, which the agent enforces
 * @param reclaimCeilingCpus the most CPU any one of its reclaiming or adaptive threads may take, in CPUs (0, 1]; 0 for the
 *     default ({@link #DEFAULT_CEILING_FACTOR} × its reserved share, at most one CPU)
 * @param adaptive the agent resizes each of its reserved threads' runtime from the thread's measured use, never below
 *     the sized (or explicit) reservation, which admission counts and which keeps the stated bound, nor above the
 *     ceiling ({@code io.vmqos.analysis.AdaptiveBudget})
 * @param costModelPath the VM's own cost model file (absolute), if any: written by {@code vmqos vm calibrate -o} and,
 *     continuously, by the agent from the VM's own traffic; when it exists the VM is sized with it instead of the host's
 */
public record VmConfig(String name, VmLocator locator, Optional<DirectionSla> rx, Optional<DirectionSla> tx,
                       Map<StageKind, Reservation> explicit, Optional<ShapingSpec> shaping, boolean reclaim, double reclaimCeilingCpus,
                       boolean adaptive, Optional<String> costModelPath) {
    /** A reclaiming thread's default ceiling: this many times its reserved share. */
    public static final double DEFAULT_CEILING_FACTOR = 2.0;

    /** A VM that does not reclaim. */
    public VmConfig(String name, VmLocator locator, Optional<DirectionSla> rx, Optional<DirectionSla> tx,
                    Map<StageKind, Reservation> explicit, Optional<ShapingSpec> shaping) {
        this(name, locator, rx, tx, explicit, shaping, false, 0);
    }

    /** A VM whose budgets are fixed. */
    public VmConfig(String name, VmLocator locator, Optional<DirectionSla> rx, Optional<DirectionSla> tx,
                    Map<StageKind, Reservation> explicit, Optional<ShapingSpec> shaping, boolean reclaim, double reclaimCeilingCpus) {
        this(name, locator, rx, tx, explicit, shaping, reclaim, reclaimCeilingCpus, false, Optional.empty());
    }

    public VmConfig {
        if (!(reclaimCeilingCpus >= 0 && reclaimCeilingCpus <= 1)) {
            throw new InvalidInputException("vms." + name + ".reclaimCeiling", "must be in (0%, 100%] of a CPU, got " + reclaimCeilingCpus, "give e.g. 40%");
        }
        if (reclaimCeilingCpus > 0 && !reclaim && !adaptive) {
            throw new InvalidInputException("vms." + name + ".reclaimCeiling", "is given but neither reclaim nor adaptive is on", "add reclaim: true or adaptive: true, or remove reclaimCeiling");
        }
        if (name == null || name.isBlank()) throw new InvalidInputException("vms.name", "is missing", "give every VM a name");
        if (locator == null) throw new InvalidInputException("vms." + name, "has no qmp, pid or domain", "give exactly one of them");
        rx = rx == null ? Optional.empty() : rx;
        tx = tx == null ? Optional.empty() : tx;
        shaping = shaping == null ? Optional.empty() : shaping;
        costModelPath = costModelPath == null ? Optional.empty() : costModelPath;
        EnumMap<StageKind, Reservation> copy = new EnumMap<>(StageKind.class);
        if (explicit != null) copy.putAll(explicit);
        explicit = Collections.unmodifiableMap(copy);
        if (rx.isEmpty() && tx.isEmpty() && explicit.isEmpty()) {
            throw new InvalidInputException("vms." + name, "has neither an SLA nor reservations", "give sla (rx and/or tx) or reservations");
        }
    }

    /**
     * The most CPU one of its reclaiming (or adaptive) threads reserved at {@code reservedCpus} may take: the configured ceiling (never
     * below the reservation itself), else {@link #DEFAULT_CEILING_FACTOR} × the reservation, at most one CPU.
     */
    public double ceilingCpus(double reservedCpus) {
        double c = reclaimCeilingCpus > 0 ? reclaimCeilingCpus : Math.min(1.0, DEFAULT_CEILING_FACTOR * reservedCpus);
        return Math.max(c, reservedCpus);
    }

    /** True when the VM has an SLA in either direction. */
    public boolean hasSla() { return rx.isPresent() || tx.isPresent(); }

    /**
     * The SLA its threads are sized for: one direction as given, or both combined by
     * {@link DirectionSla#combine}; empty when the VM has no SLA.
     */
    public Optional<NetworkSla> sizingSla() {
        if (rx.isPresent() && tx.isPresent()) return Optional.of(DirectionSla.combine(rx.get(), tx.get()));
        return rx.or(() -> tx).map(DirectionSla::toNetworkSla);
    }

    /**
     * True when applying this VM needs its network path (taps, devices, NAPI and IRQ threads): it is shaped, sized
     * from an SLA (whose stages may include the host's NAPI threads) or given a NAPI reservation. A VM with only
     * thread reservations does not, and its path is not looked up (each look-up runs {@code ip} in its namespace).
     */
    public boolean needsNetworkPath() {
        return shaping.isPresent() || rx.isPresent() || tx.isPresent() || explicit.containsKey(StageKind.NAPI);
    }
}
