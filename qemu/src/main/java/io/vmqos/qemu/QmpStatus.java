package io.vmqos.qemu;

/**
 * The answer to {@code query-status}.
 *
 * @param status  QEMU's run state, e.g. {@code running}, {@code paused}, {@code prelaunch}
 * @param running whether the vCPUs are running
 */
public record QmpStatus(String status, boolean running) {}
