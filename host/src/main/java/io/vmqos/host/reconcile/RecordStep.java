package io.vmqos.host.reconcile;

import io.vmqos.host.state.HostRecord;

import java.util.function.UnaryOperator;

/** A change of the record alone (a VM seen or gone, an owner added or dropped): nothing on the host changes. */
final class RecordStep implements Step {
    private final String what;
    private final UnaryOperator<HostRecord> edit;

    RecordStep(String what, UnaryOperator<HostRecord> edit) {
        this.what = what;
        this.edit = edit;
    }

    @Override public String describe() { return what; }
    @Override public HostRecord intend(HostRecord r) { return edit.apply(r); }
    @Override public void apply() { }
    @Override public HostRecord done(HostRecord r) { return r; }
    @Override public void undo() { }
}
