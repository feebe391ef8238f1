package io.vmqos.host.state;

import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedPolicy;

/** {@link SchedAttributes} as the record stores them: plain fields, the policy by name. */
public record StoredAttrs(String policy, long flags, int nice, int priority, long runtimeNs, long deadlineNs, long periodNs) {
    public static StoredAttrs of(SchedAttributes a) {
        return new StoredAttrs(a.policy().name(), a.flags(), a.nice(), a.priority(), a.runtimeNs(), a.deadlineNs(), a.periodNs());
    }

    public SchedAttributes toAttributes() {
        return new SchedAttributes(SchedPolicy.valueOf(policy), flags, nice, priority, runtimeNs, deadlineNs, periodNs);
    }
}
