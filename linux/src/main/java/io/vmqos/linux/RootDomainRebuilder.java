package io.vmqos.linux;

/**
 * Makes the kernel rebuild its scheduling/root domains. Since Linux 6.15 every rebuild ends in
 * {@code dl_rebuild_rd_accounting()} (before, cpuset's {@code rebuild_root_domains()}), which zeroes each root
 * domain's {@code dl_bw->total_bw} and re-adds the deadline servers and every live DEADLINE task: that is what
 * drops leaked bandwidth.
 *
 * <p>Implementations change cpuset files only transiently and restore every value they changed, also on
 * failure. Not thread-safe against a concurrent rebuilder (one repair at a time per host).
 */
public sealed interface RootDomainRebuilder permits CpusetV1Rebuilder, CpusetV2Rebuilder {
    /**
     * Triggers one rebuild.
     *
     * @return what was done, for people, e.g. {@code cgroup v1: /sys/fs/cgroup/cpuset/cpuset.sched_load_balance 1→0→1}
     * @throws LedgerUnavailableException when the kernel refused a write; the message names file, value and errno text
     */
    String rebuild();
}
