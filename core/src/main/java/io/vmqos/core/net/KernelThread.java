package io.vmqos.core.net;

/**
 * A kernel thread that carries packets: {@code napi/DEV-ID} (threaded NAPI poll) or {@code irq/N-NAME}
 * (threaded IRQ handler). {@code pid} is in the init pid namespace, where kernel threads always live whatever the
 * network namespace; {@code comm} is as the kernel truncated it (15 characters).
 */
public record KernelThread(int pid, String comm) {}
