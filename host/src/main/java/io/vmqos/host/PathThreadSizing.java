package io.vmqos.host;

import io.vmqos.core.Reservation;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.net.NetDevice;

import java.util.List;

/**
 * How big a reservation a packet-carrying kernel thread ({@code napi/...} or {@code irq/...}) on a VM's path gets.
 *
 * <p>A path thread is shared by every VM whose packets cross its device, so its reservation covers the <b>sum</b> of
 * their SLAs: {@link io.vmqos.analysis.SharedThreadSizing} sizes one reservation that keeps each VM's own napi
 * guarantee (used by {@code vmqos apply -f} for a NAPI thread several configured VMs cross, and by the demo's flood
 * scenario). {@link #explicit} is the CLI's {@code vm reserve --napi Q/P}: one Q/P for every path thread whatever
 * crosses it. Called by {@link PathTransaction} on the transaction's thread; must be pure.
 */
@FunctionalInterface
public interface PathThreadSizing {
    /**
     * @param thread the kernel thread
     * @param device the device it polls or serves
     * @param vms every VM recorded as crossing this thread, this one included (names as in the state file)
     */
    Reservation size(KernelThread thread, NetDevice device, List<String> vms);

    /** The same reservation for every path thread (the CLI's {@code --napi Q/P}). */
    static PathThreadSizing explicit(Reservation r) {
        return (thread, device, vms) -> r;
    }
}
