package io.vmqos.lab.load;

/** How {@link UdpLoadGenerator} sends requests. */
public enum LoadMode {
    /**
     * Open loop: request {@code i} is due at {@code start + i / rate}, independent of replies. Measures latency
     * at a fixed offered load.
     */
    PACED,
    /**
     * Closed window: keep up to {@code window} requests outstanding and send as fast as replies come back
     * (optionally capped at {@code rate}). Measures echoed throughput.
     */
    BULK
}
