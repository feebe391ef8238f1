/**
 * Fleets: what a host publishes into OpenStack Placement (its provider tree of deadline bandwidth) and what a VM
 * asks of it (a {@link io.vmqos.core.fleet.ResourceRequest}), as values. Pure, no I/O.
 */
package io.vmqos.core.fleet;
