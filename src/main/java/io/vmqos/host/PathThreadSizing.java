package io.vmqos.host;

import io.vmqos.core.Reservation;
import io.vmqos.linux.net.KernelThread;
import io.vmqos.linux.net.NetDevice;

import java.util.List;

/**
 * How big a reservation a packet-carrying kernel thread ({@code napi/...} or {@code irq/...}) on a VM's path gets.
 *
 * <p>This is the hook for SLA-based sizing: a path thread is shared by every VM whose packets cross its device, so
 * its reservation should cover the <b>sum</b> of their SLAs (e.g. Sizer over the summed token buckets). Today the
 * only implementation is {@link #explicit}: one Q/P for every path thread whatever crosses it. Called by
 * {@link PathTransaction} on the transaction's thread; must be pure.
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
