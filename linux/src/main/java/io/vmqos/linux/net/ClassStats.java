package io.vmqos.linux.net;

/**
 * One tc class read back with {@code tc -s class show}: configured {@code rate}/{@code ceil} (bits/s) and
 * {@code burst}/{@code cburst} (bytes), and counters since creation. {@code rateEstimateBits} is the kernel's rate
 * estimator (bits/s), 0 when the class has none (HTB classes have none unless {@code htb_rate_est} is set or an
 * estimator was requested): compute rates from byte deltas instead. The kernel keeps HTB bursts as a buffer
 * <em>time</em> in scheduler ticks, so {@code burst}/{@code cburst} read back differ slightly from what was set
 * (15k = 15360 bytes reads back as 15337 at 100mbit).
 *
 * @param parent the parent class id, or {@code root}
 */
public record ClassStats(String kind, String classId, String parent, long rateBits, long ceilBits, long burstBytes,
                         long cburstBytes, long bytes, long packets, long drops, long overlimits,
                         long rateEstimateBits) {}
