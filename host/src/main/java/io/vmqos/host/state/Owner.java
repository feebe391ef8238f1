package io.vmqos.host.state;

import java.util.Comparator;

/**
 * Who asked vmqos for a change: a scope (one desired state: {@code config:/etc/vmqos/host.yaml} for {@code apply -f}
 * and the agent, {@code vm:web1} for {@code vm reserve}, {@code threads} for {@code reserve --tid}) and the VM inside
 * it ({@code ""} when the change is not a VM's, e.g. {@code reserve --tid}). A change stays while any owner still
 * wants it; the value before it is put back when the last owner lets go.
 */
public record Owner(String scope, String vm) implements Comparable<Owner> {
    private static final Comparator<Owner> ORDER = Comparator.comparing(Owner::scope).thenComparing(Owner::vm);

    public Owner {
        if (scope == null || scope.isBlank()) throw new IllegalArgumentException("scope is empty");
        vm = vm == null ? "" : vm;
    }

    @Override public int compareTo(Owner o) { return ORDER.compare(this, o); }

    /** {@code config:/etc/vmqos/host.yaml vm web1}, for people. */
    @Override public String toString() { return vm.isEmpty() ? scope : scope + " vm " + vm; }
}
