package io.vmqos.host.reconcile;

import io.vmqos.core.desired.DeviceRef;
import io.vmqos.host.state.HostRecord;
import io.vmqos.host.state.Owner;
import io.vmqos.linux.net.NapiChange;
import io.vmqos.linux.net.NapiControl;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Threaded NAPI on one device ({@code on}), recording its settings before, or back to the recorded settings.
 */
final class NapiStep implements Step {
    static final Duration THREAD_WAIT = Duration.ofSeconds(2);

    private final DeviceRef device;
    private final NapiChange before;
    private final boolean on;
    private final List<Owner> owners;
    private final NapiControl napi;

    /**
     * @param before the settings to put back: read now for {@code on}, from the record when turning off
     */
    NapiStep(DeviceRef device, NapiChange before, boolean on, List<Owner> owners, NapiControl napi) {
        this.device = device;
        this.before = before;
        this.on = on;
        this.owners = List.copyOf(owners);
        this.napi = napi;
    }

    /** The settings a record entry holds, as a {@link NapiChange} to restore. */
    static NapiChange of(HostRecord.NapiEntry e) {
        return new NapiChange(e.device().name(), e.device().ns(), e.previousThreaded(), Optional.ofNullable(e.previousGro()),
                Optional.ofNullable(e.previousTso()), List.of());
    }

    @Override public String describe() { return (on ? "threaded NAPI on " : "NAPI back to threaded=" + before.previousThreaded() + " on ") + device.describe(); }

    @Override
    public HostRecord intend(HostRecord r) {
        if (!on) return r;
        return r.withNapi(new HostRecord.NapiEntry(device, before.previousThreaded(), before.previousGro().orElse(null),
                before.previousTso().orElse(null), owners));
    }

    @Override
    public void apply() {
        if (on) napi.enable(device.name(), device.ns(), THREAD_WAIT);
        else napi.restore(before);
    }

    @Override public HostRecord done(HostRecord r) { return on ? r : r.withoutNapi(device); }

    @Override
    public void undo() {
        if (on) napi.restore(before);
        else napi.enable(device.name(), device.ns(), THREAD_WAIT);
    }
}
