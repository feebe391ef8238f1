package io.vmqos.linux.net;

import io.vmqos.core.net.KernelThread;

import java.util.List;
import java.util.Optional;

/**
 * What {@link ThreadedNapi#enable} changed on one device, so {@link ThreadedNapi#restore} can put it back:
 * the previous {@code /sys/class/net/DEV/threaded} value (kept verbatim: newer kernels accept more than 0/1) and,
 * for a veth, the previous GRO setting when vmqos had to turn GRO on and the previous TSO setting when vmqos had to
 * turn TSO off (each empty when left alone).
 * {@code threads} are the {@code napi/DEV-ID} threads seen after enabling (may be empty if none appeared in time).
 */
public record NapiChange(String device, String ns, String previousThreaded, Optional<Boolean> previousGro,
                         Optional<Boolean> previousTso, List<KernelThread> threads) {
    public NapiChange {
        previousGro = previousGro == null ? Optional.empty() : previousGro;
        previousTso = previousTso == null ? Optional.empty() : previousTso;
        threads = List.copyOf(threads);
    }

    /** A change that left TSO alone. */
    public NapiChange(String device, String ns, String previousThreaded, Optional<Boolean> previousGro, List<KernelThread> threads) {
        this(device, ns, previousThreaded, previousGro, Optional.empty(), threads);
    }

    /** True when enable found the device already threaded (and, for a veth, with GRO on and TSO off) and changed nothing. */
    public boolean wasAlreadyThreaded() {
        return !"0".equals(previousThreaded) && previousGro.isEmpty() && previousTso.isEmpty();
    }
}
