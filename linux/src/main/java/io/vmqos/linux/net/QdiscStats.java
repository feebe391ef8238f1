package io.vmqos.linux.net;

/** One qdisc's counters from {@code tc -j -s qdisc show}. */
public record QdiscStats(String kind, String handle, String parent, long bytes, long packets, long drops,
                         long overlimits, long backlogBytes, long qlen) {}
