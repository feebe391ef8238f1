package io.vmqos.linux;

import io.vmqos.core.CpuBandwidth;

/**
 * A per-CPU deadline server's reservation ({@code fair_server}, {@code ext_server}): the kernel counts
 * {@code (runtime << 20) / period} of it in the root domain's {@code total_bw}.
 *
 * @param server the debugfs name, e.g. {@code fair_server}
 * @param assumed true when the kernel refused to show the parameters (lockdown) and these are the kernel's
 *     defaults rather than measured values
 */
public record ServerBandwidth(int cpu, String server, long runtimeNs, long periodNs, boolean assumed) {
    /** The bandwidth the kernel accounts for this server, {@code to_ratio(period, runtime)}. */
    public CpuBandwidth bandwidth() { return CpuBandwidth.ofRuntime(runtimeNs, periodNs); }
}
