package io.vmqos.linux.net;

import java.util.List;

/**
 * Handle for shaping that {@link LinkShaper} applied on one device: what the device's qdiscs were before
 * ({@code before}, normalised {@code tc -j qdisc show}) and which classes vmqos created, so
 * {@link LinkShaper#remove} can restore the device exactly and verify it.
 *
 * @param classIds the per-VM HTB classes, in the order of the request (one for a tap)
 */
public record ShapedLink(String device, String ns, List<QdiscState> before, List<String> classIds) {
    public ShapedLink {
        before = List.copyOf(before);
        classIds = List.copyOf(classIds);
    }
}
