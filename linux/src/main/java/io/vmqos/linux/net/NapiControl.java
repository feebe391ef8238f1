package io.vmqos.linux.net;

import java.time.Duration;

/**
 * Role: threaded NAPI of a network device ({@code /sys/class/net/DEV/threaded}, and GRO/TSO on a veth so that its
 * NAPI carries its peer's packets). Implemented by {@link ThreadedNapi}; reconcile steps are tested on fakes.
 * Called by the reconcile executor's thread. {@link #enable} and {@link #restore} are idempotent with respect to the
 * device state they leave; calls for different devices are independent.
 */
public interface NapiControl {
    /** The device's settings now, changing nothing: what {@link #enable} would record as the values before. */
    NapiChange settings(String device, String ns);

    /**
     * Turns threaded NAPI on and waits up to {@code waitForThreads} for its {@code napi/} threads.
     *
     * @throws NapiUnsupportedException the device has no NAPI (nothing left changed)
     */
    NapiChange enable(String device, String ns, Duration waitForThreads);

    /** Puts back the settings recorded in {@code change}. */
    void restore(NapiChange change);
}
