package io.vmqos.core.desired;

import io.vmqos.core.HostPlan;

import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * What one scope (a host configuration, one {@code vm reserve}, the {@code reserve --tid} threads) wants the host to
 * be: every thread's scheduling attributes and pinning, NAPI settings, IRQ affinity, per-CPU partitions and tc
 * shaping. The policy computes it from the configuration and what the host shows; the reconcile makes the host so.
 * Immutable; lists sorted by their keys so that equal inputs give equal states.
 *
 * @param partitions the CPUs that must each be a root domain of their own (partitioned EDF), per root domain they
 *     are split from; empty otherwise
 * @param kept VMs whose recorded changes the reconcile must leave exactly as they are (a VM refused after a change
 *     keeps its previous reservation; it is never half-applied)
 * @param plan the admitted plans and refusals behind it (null when the scope has no plan, e.g. explicit reservations)
 * @param unsized VMs planned from their explicit reservations only (rates and bounds unknown)
 * @param notes remarks for people
 * @param adaptive the threads of adaptive VMs and the bounds of their runtimes (the agent's feedback loop moves them
 *     within), by tid; empty when no VM is adaptive
 */
public record DesiredState(List<DesiredThread> threads, List<DesiredNapi> napi, List<DesiredIrq> irqs, List<DesiredPartition> partitions,
                           List<DesiredShaping> shaping, Set<String> kept, HostPlan plan, Set<String> unsized, List<String> notes,
                           List<AdaptiveBounds> adaptive) {
    /** No adaptive thread. */
    public DesiredState(List<DesiredThread> threads, List<DesiredNapi> napi, List<DesiredIrq> irqs, List<DesiredPartition> partitions,
                        List<DesiredShaping> shaping, Set<String> kept, HostPlan plan, Set<String> unsized, List<String> notes) {
        this(threads, napi, irqs, partitions, shaping, kept, plan, unsized, notes, List.of());
    }

    public DesiredState {
        adaptive = sorted(adaptive == null ? List.of() : adaptive, Comparator.comparingInt(AdaptiveBounds::tid));
        threads = sorted(threads, Comparator.comparingInt(DesiredThread::tid));
        napi = sorted(napi, Comparator.comparing(DesiredNapi::device));
        irqs = sorted(irqs, Comparator.comparingInt(DesiredIrq::irq));
        partitions = sorted(partitions, Comparator.comparing(p -> p.domain().first()));
        shaping = sorted(shaping, Comparator.comparing(DesiredShaping::device).thenComparing(DesiredShaping::direction));
        kept = Set.copyOf(kept);
        unsized = Set.copyOf(unsized);
        notes = List.copyOf(notes);
    }

    /** Nothing at all: what a released scope wants. */
    public static DesiredState nothing() {
        return new DesiredState(List.of(), List.of(), List.of(), List.of(), List.of(), Set.of(), null, Set.of(), List.of());
    }

    /** True when every VM of the plan was admitted (or there is no plan). */
    public boolean complete() { return plan == null || plan.complete(); }

    private static <E> List<E> sorted(List<E> l, Comparator<? super E> c) {
        List<E> out = new java.util.ArrayList<>(l);
        out.sort(c);
        return List.copyOf(out);
    }
}
