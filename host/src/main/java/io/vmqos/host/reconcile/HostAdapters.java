package io.vmqos.host.reconcile;

import io.vmqos.host.Reserver;
import io.vmqos.linux.CpuPartitions;
import io.vmqos.linux.net.IrqAffinity;
import io.vmqos.linux.net.NapiControl;
import io.vmqos.linux.net.Shaper;

import java.util.function.DoubleFunction;

/**
 * The role interfaces reconcile steps change the host through: thread attributes (all-or-nothing, with kernel
 * admission and a host reserve: {@link Reserver}), threaded NAPI, tc shaping, IRQ affinity and per-CPU partitions.
 * The real host's, or fakes in tests.
 *
 * @param reservers a {@link Reserver} keeping back a given share of each root domain for the host
 * @param hostReserve the share kept back when no configuration says otherwise
 */
public record HostAdapters(DoubleFunction<Reserver> reservers, double hostReserve, NapiControl napi, Shaper shaper, IrqAffinity irqs,
                           CpuPartitions partitions) {
    /** The reserver with this adapter set's host reserve. */
    public Reserver reserver() { return reservers.apply(hostReserve); }

    /** The same adapters keeping back {@code reserve} (a host configuration's {@code hostReserve}). */
    public HostAdapters withHostReserve(double reserve) { return new HostAdapters(reservers, reserve, napi, shaper, irqs, partitions); }
}
