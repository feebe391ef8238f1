package io.vmqos.core.net;

import java.util.Optional;

/**
 * One hardware interrupt of a device: its number, its action name(s) from {@code /proc/interrupts}, the CPUs it
 * may run on ({@code /proc/irq/N/smp_affinity_list}, e.g. {@code 0-1}) and its handler thread {@code irq/N-name},
 * present only when the kernel runs it threaded ({@code threadirqs} on the command line, or a driver that asked
 * for a threaded handler).
 */
public record Irq(int number, String name, String affinity, Optional<KernelThread> thread) {}
