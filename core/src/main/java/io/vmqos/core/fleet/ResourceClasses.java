package io.vmqos.core.fleet;

/** The names vmqos publishes in OpenStack Placement: its custom resource class and traits. */
public final class ResourceClasses {
    /** Reservable SCHED_DEADLINE bandwidth of a root domain, in millionths of one CPU. */
    public static final String CUSTOM_VMQOS_DL_BANDWIDTH = "CUSTOM_VMQOS_DL_BANDWIDTH";
    /** A host whose vmqos agent reserves its VMs' threads with SCHED_DEADLINE. */
    public static final String CUSTOM_VMQOS_DEADLINE = "CUSTOM_VMQOS_DEADLINE";
    /** A root domain planned with partitioned EDF (each reserved thread pinned to one CPU). */
    public static final String CUSTOM_VMQOS_PARTITIONED = "CUSTOM_VMQOS_PARTITIONED";

    private ResourceClasses() {}
}
