/**
 * A VM's host network path as values: its taps, the devices tap → bridge → ports with their NAPI and IRQ kernel
 * threads, and its link share ({@link io.vmqos.core.net.ShapingSpec}). Discovered and applied by the linux adapter
 * ({@code io.vmqos.linux.net}); pure, no I/O.
 */
package io.vmqos.core.net;
