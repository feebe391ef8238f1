package io.vmqos.host;

import java.util.List;

/**
 * What {@link HostPlanning#apply} or {@link HostPlanning#release} did: the plan applied (null for a release),
 * the thread changes made in one transaction, and remarks (NAPI threads not known, VMs not running...).
 */
public record ConfigApply(ConfigPlan plan, ApplyReport report, List<String> notes) {
    public ConfigApply {
        notes = List.copyOf(notes);
    }
}
