package io.vmqos.host;

import io.vmqos.core.config.VmConfig;

import java.util.List;

/**
 * The host threads (threaded NAPI pollers, IRQ handler threads) that carry a VM's packets, which the VM's NAPI
 * stage reservation goes to. The network path layer supplies the real one; {@link #NONE} finds none, and the
 * NAPI stage then reserves nothing (a note says so). Called from the planning thread; may read /proc and sysfs.
 */
@FunctionalInterface
public interface NapiThreadSource {
    /** Finds none: path reservations are not configured. */
    NapiThreadSource NONE = vm -> List.of();

    /** Thread ids of the host threads carrying {@code vm}'s packets; empty when none are known. */
    List<Integer> napiThreads(VmConfig vm);
}
