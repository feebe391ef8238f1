package io.vmqos.linux.net;

import io.vmqos.core.net.ShapingSpec;

import java.util.List;

/**
 * Role: tc shaping of one device (HTB), applied and removed exactly. Implemented by {@link LinkShaper}; reconcile
 * steps are tested on fakes. Called by the reconcile executor's thread; one caller per device at a time.
 * {@link #remove} is idempotent.
 */
public interface Shaper {
    /** Shapes traffic leaving {@code device} (on a tap: towards the VM). @throws ShapingException refused or failed (rolled back) */
    ShapedLink shapeEgress(String device, String ns, String vm, ShapingSpec spec);

    /** Shapes traffic entering {@code tap} (from the VM) through the ifb {@link #ifbName}. @throws ShapingException refused or failed */
    ShapedLink shapeIngress(String tap, String ns, String vm, ShapingSpec spec);

    /** Removes vmqos's shaping and checks the device is back to {@code link.before()}. @throws ShapingException when not */
    void remove(ShapedLink link);

    /** The device's qdiscs now, as configuration. */
    List<QdiscState> qdiscs(String device, String ns);

    /** The ifb device {@link #shapeIngress} creates for {@code tap} (known before it is made, for the record). */
    String ifbName(String tap, String ns);

    /** Class and qdisc counters of a device. */
    ShapingStats stats(String device, String ns);
}
