package io.vmqos.host.reconcile;

import io.vmqos.core.desired.DesiredShaping;
import io.vmqos.core.net.ShapingSpec;
import io.vmqos.host.state.HostRecord;
import io.vmqos.linux.net.ShapedLink;
import io.vmqos.linux.net.Shaper;

import java.util.Optional;

/**
 * tc shaping put on a device, recording its qdiscs before (and the ifb it will create), or removed from it, checking
 * the device is back as recorded.
 */
final class ShapeStep implements Step {
    private final HostRecord.ShapingEntry entry;
    private final boolean shape;
    private final String vm;
    private final Shaper shaper;

    ShapeStep(HostRecord.ShapingEntry entry, boolean shape, String vm, Shaper shaper) {
        this.entry = entry;
        this.shape = shape;
        this.vm = vm;
        this.shaper = shaper;
    }

    static ShapingSpec spec(HostRecord.ShapingEntry e) { return new ShapingSpec(e.rateBits(), e.ceilBits(), e.burstBytes(), Optional.empty()); }

    private ShapedLink link() {
        return new ShapedLink(entry.device().name(), entry.device().ns(), entry.before(), entry.classIds(), Optional.ofNullable(entry.ifb()));
    }

    @Override
    public String describe() {
        return (shape ? "shape " : "unshape ") + entry.direction() + " of " + entry.device().describe()
                + (shape ? " to " + io.vmqos.linux.net.NetUnits.formatRate(entry.rateBits()) : "");
    }

    @Override public HostRecord intend(HostRecord r) { return shape ? r.withShaping(entry) : r; }

    @Override
    public void apply() {
        if (!shape) {
            shaper.remove(link());
            return;
        }
        if (DesiredShaping.EGRESS.equals(entry.direction())) shaper.shapeEgress(entry.device().name(), entry.device().ns(), vm, spec(entry));
        else shaper.shapeIngress(entry.device().name(), entry.device().ns(), vm, spec(entry));
    }

    @Override public HostRecord done(HostRecord r) { return shape ? r : r.withoutShaping(entry.device(), entry.direction()); }

    @Override
    public void undo() {
        if (shape) shaper.remove(link());
        else if (DesiredShaping.EGRESS.equals(entry.direction())) shaper.shapeEgress(entry.device().name(), entry.device().ns(), vm, spec(entry));
        else shaper.shapeIngress(entry.device().name(), entry.device().ns(), vm, spec(entry));
    }
}
