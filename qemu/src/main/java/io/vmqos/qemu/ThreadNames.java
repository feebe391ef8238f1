package io.vmqos.qemu;

/**
 * Reads a QEMU thread's role from its name, as set by {@code -name ...,debug-threads=on}:
 * {@code CPU 0/KVM}, {@code CPU 1/TCG} (any accelerator suffix), {@code ALL CPUs/TCG} (single-threaded TCG),
 * {@code IO <iothread id>} (truncated to 15 characters by the kernel), {@code vhost-<owner pid>}.
 * The monitor's internal {@code IO mon_iothread} carries no guest I/O and counts as OTHER.
 * Pure functions; any thread.
 */
final class ThreadNames {
    /** QEMU's internal iothread for out-of-band QMP; never listed by query-iothreads. */
    static final String MONITOR_IOTHREAD = "mon_iothread";

    private ThreadNames() {}

    /** The vCPU index if the name is a vCPU thread name, else -1. {@code ALL CPUs/...} is index 0. */
    static int vcpuIndex(String comm) {
        if (comm.startsWith("ALL CPUs/")) return 0;
        if (!comm.startsWith("CPU ")) return -1;
        int slash = comm.indexOf('/', 4);
        if (slash <= 4) return -1;
        int index = 0;
        for (int i = 4; i < slash; i++) {
            char c = comm.charAt(i);
            if (c < '0' || c > '9' || index > 100_000_000) return -1;
            index = index * 10 + (c - '0');
        }
        return index;
    }

    /** The iothread id if the name is a user iothread's name, else null. */
    static String iothreadId(String comm) {
        if (!comm.startsWith("IO ") || comm.length() == 3) return null;
        String id = comm.substring(3);
        return id.equals(MONITOR_IOTHREAD) ? null : id;
    }

    /** The vhost worker name for a QEMU process. */
    static String vhostName(int qemuPid) {
        return "vhost-" + qemuPid;
    }
}
