package io.vmqos.core.vm;

import io.vmqos.core.StageKind;

import java.util.List;
import java.util.Optional;

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
 *
 * <p>{@link #stage()} is the one mapping from a role to the pipeline stage whose reservation its threads get.
 */
public enum ThreadRole {
    VCPU, IOTHREAD, MAIN_LOOP, VHOST, OTHER;

    /** The order in which a stage's roles are listed (and reserved): vCPUs; main loop, iothreads, vhost workers. */
    private static final List<ThreadRole> STAGE_ORDER = List.of(VCPU, MAIN_LOOP, IOTHREAD, VHOST);

    /**
     * The pipeline stage this role's threads carry: {@link StageKind#VCPU} for vCPUs, {@link StageKind#IO} for the
     * main loop, iothreads and vhost workers; empty for {@link #OTHER} (no stage: never reserved). No QEMU thread
     * carries {@link StageKind#NAPI} (the host's kernel threads do).
     */
    public Optional<StageKind> stage() {
        return switch (this) {
            case VCPU -> Optional.of(StageKind.VCPU);
            case MAIN_LOOP, IOTHREAD, VHOST -> Optional.of(StageKind.IO);
            case OTHER -> Optional.empty();
        };
    }

    /** The roles whose threads carry {@code stage} ({@link #stage()}), main loop first for IO; empty for NAPI. */
    public static List<ThreadRole> of(StageKind stage) {
        return STAGE_ORDER.stream().filter(r -> r.stage().orElse(null) == stage).toList();
    }
}
