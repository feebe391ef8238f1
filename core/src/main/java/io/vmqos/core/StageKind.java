package io.vmqos.core;

/**
 * A stage of a VM's packet pipeline: each is carried by its own thread(s) and gets its own SCHED_DEADLINE
 * reservation. The declaration order is the order packets cross the stages on receive (NIC → guest), which is
 * also the order plans list them.
 */
public enum StageKind {
    /** Host IRQ / NAPI polling thread of the NIC queue that carries the VM's packets. */
    NAPI,
    /** QEMU main loop / iothread, or the vhost worker thread, moving packets between host and guest. */
    IO,
    /** The guest's vCPU thread that runs the guest's network stack and application. */
    VCPU
}
