package io.vmqos.host;

import io.vmqos.core.net.VmNetwork;
import io.vmqos.linux.net.NapiChange;
import io.vmqos.linux.net.ShapedLink;

import java.util.List;

/**
 * What {@link PathTransaction#apply} did: the VM's network found, the thread changes (VM and path threads, one apply),
 * the NAPI changes made, the shaping put on the taps, the IRQs moved ({@code --steer-irqs}), and warnings (e.g. an IRQ whose affinity lies outside the
 * reserved CPUs, a device whose NAPI threads did not appear).
 */
public record PathReport(String vm, VmNetwork network, ApplyReport threads, List<NapiChange> napi, List<ShapedLink> shaped,
                         List<PathState.IrqRecord> irqs, List<String> warnings) {
    public PathReport {
        irqs = List.copyOf(irqs);
        napi = List.copyOf(napi);
        shaped = List.copyOf(shaped);
        warnings = List.copyOf(warnings);
    }
}
