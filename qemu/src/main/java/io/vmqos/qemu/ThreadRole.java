package io.vmqos.qemu;

/**
 * What a thread of a QEMU VM does, as far as network QoS is concerned.
 *
 * <ul>
 *   <li>{@link #VCPU}: runs one guest vCPU (KVM_RUN or a TCG loop); the guest's network stack runs here.</li>
 *   <li>{@link #IOTHREAD}: a user-created {@code -object iothread,id=ID} event loop (virtio queues bound to it).</li>
 *   <li>{@link #MAIN_LOOP}: QEMU's main thread (tid == pid), which runs the main event loop and every device
 *       not bound to an iothread (e.g. virtio-net without vhost, tap backend).</li>
 *   <li>{@link #VHOST}: a vhost-net/vhost-scsi worker {@code vhost-<pid>} moving packets in the kernel.</li>
 *   <li>{@link #OTHER}: anything else (RCU, thread-pool workers, the monitor's own iothread, ...).</li>
 * </ul>
 */
public enum ThreadRole {
    VCPU, IOTHREAD, MAIN_LOOP, VHOST, OTHER
}
