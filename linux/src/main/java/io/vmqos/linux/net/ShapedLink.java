package io.vmqos.linux.net;

import java.util.List;
import java.util.Optional;

/**
 * Handle for shaping that {@link LinkShaper} applied on one device: what the device's qdiscs were before
 * ({@code before}, normalised {@code tc -j qdisc show}) and which classes vmqos created, so
 * {@link LinkShaper#remove} can restore the device exactly and verify it.
 *
 * @param classIds the per-VM HTB classes, in the order of the request (one for a tap)
 * @param ifb for ingress shaping, the ifb device vmqos created and shapes (the classes live there); else empty
 */
public record ShapedLink(String device, String ns, List<QdiscState> before, List<String> classIds, Optional<String> ifb) {
    public ShapedLink {
        before = List.copyOf(before);
        classIds = List.copyOf(classIds);
        ifb = ifb == null ? Optional.empty() : ifb;
    }

    /** The device whose classes hold the counters: the ifb for ingress shaping, else the device itself. */
    public String shapedDevice() { return ifb.orElse(device); }
}
