package io.vmqos.core.fleet;

/**
 * The names vmqos uses in OpenStack Placement. Custom resource classes and traits must start with {@code CUSTOM_}
 * and hold only {@code A-Z0-9_}.
 */
public final class ResourceClasses {
    /**
     * SCHED_DEADLINE bandwidth of a root domain, in millionths of one CPU (1 000 000 = one whole CPU; see
     * {@link io.vmqos.core.CpuBandwidth#millionths()} for the rounding).
     */
    public static final String DL_BANDWIDTH = "CUSTOM_VMQOS_DL_BANDWIDTH";
    /** Placement's standard class of virtual CPUs, held by a host's root provider. */
    public static final String VCPU = "VCPU";
    /** Placement's standard class of memory in MiB, held by a host's root provider. */
    public static final String MEMORY_MB = "MEMORY_MB";
    /** Trait of every provider vmqos publishes: it admits SCHED_DEADLINE reservations. */
    public static final String TRAIT_DEADLINE = "CUSTOM_VMQOS_DEADLINE";
    /** Trait of the root domains of a host with {@code partitioned: true} (one thread's reservation fits one CPU). */
    public static final String TRAIT_PARTITIONED = "CUSTOM_VMQOS_PARTITIONED";

    private ResourceClasses() {}
}
