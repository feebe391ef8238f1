/**
 * A QEMU VM's threads as values: each thread's {@link io.vmqos.core.vm.ThreadRole role}, which also names the
 * pipeline stage it carries ({@link io.vmqos.core.vm.ThreadRole#stage()}). Discovered by the qemu adapter; pure, no I/O.
 */
package io.vmqos.core.vm;
