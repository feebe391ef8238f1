package io.vmqos.host;

import io.vmqos.core.SchedAttributes;
import io.vmqos.linux.net.QdiscState;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link PathTransaction} did to the host, per VM, so that a later {@code vmqos vm release} (another process)
 * can undo exactly that: the agent's state, in the sense of the kubelet CPU manager's {@code cpu_manager_state}.
 * Kept as JSON by {@link PathStateStore} under {@code /run/vmqos/} (tmpfs: a reboot forgets it, as it forgets the
 * changes themselves). Immutable values; Jackson reads and writes them.
 *
 * @param vms by VM key ({@link PathTransaction#keyOf})
 */
public record PathState(int version, Map<String, VmEntry> vms) {
    public static final int VERSION = 1;

    public PathState {
        vms = vms == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(vms));
    }

    public static PathState empty() { return new PathState(VERSION, Map.of()); }

    public PathState with(String key, VmEntry e) {
        Map<String, VmEntry> m = new LinkedHashMap<>(vms);
        m.put(key, e);
        return new PathState(VERSION, m);
    }

    public PathState without(String key) {
        Map<String, VmEntry> m = new LinkedHashMap<>(vms);
        m.remove(key);
        return new PathState(VERSION, m);
    }

    /**
     * One VM's path changes.
     *
     * @param devices every path device (tap, bridge, ports, veth peers) the VM's packets cross: decides sharing
     * @param napi devices on which this VM turned threaded NAPI on (or was handed the record), with what to restore
     * @param pathThreads kernel threads this VM's path reservation covers, with their attributes before vmqos
     * @param shaped the tc shaping on its taps
     * @param irqs path IRQs this VM moved (or was handed the record of), with the affinity to put back
     */
    public record VmEntry(int pid, String name, List<Dev> devices, List<NapiRecord> napi, List<PathThread> pathThreads,
                          List<Shaped> shaped, List<IrqRecord> irqs) {
        public VmEntry {
            irqs = irqs == null ? List.of() : List.copyOf(irqs);
            devices = devices == null ? List.of() : List.copyOf(devices);
            napi = napi == null ? List.of() : List.copyOf(napi);
            pathThreads = pathThreads == null ? List.of() : List.copyOf(pathThreads);
            shaped = shaped == null ? List.of() : List.copyOf(shaped);
        }
    }

    /** An IRQ of a path device that vmqos moved to {@code steeredTo}; {@code previous} is put back on the last release. */
    public record IrqRecord(int irq, String name, String device, String ns, String previous, String steeredTo) {}

    /** A device by name and namespace ({@code null} = the agent's). */
    public record Dev(String name, String ns) {}

    /**
     * {@code threaded} and (veth) GRO and TSO as they were before vmqos; {@code previousGro}/{@code previousTso} null
     * when left alone.
     */
    public record NapiRecord(String device, String ns, String previousThreaded, Boolean previousGro, Boolean previousTso) {}

    /** A path thread with its attributes before vmqos reserved it (set back on the last user's release). */
    public record PathThread(int tid, String comm, String device, String ns, Attr before) {}

    /** {@link io.vmqos.linux.net.ShapedLink} as stored. {@code ifb} null for egress shaping. */
    public record Shaped(String device, String ns, List<QdiscState> before, List<String> classIds, String ifb) {}

    /** {@link SchedAttributes} as stored (plain fields only). */
    public record Attr(String policy, long flags, int nice, int priority, long runtimeNs, long deadlineNs, long periodNs) {
        public static Attr of(SchedAttributes a) {
            return new Attr(a.policy().name(), a.flags(), a.nice(), a.priority(), a.runtimeNs(), a.deadlineNs(), a.periodNs());
        }

        public SchedAttributes toAttributes() {
            return new SchedAttributes(io.vmqos.core.SchedPolicy.valueOf(policy), flags, nice, priority, runtimeNs, deadlineNs, periodNs);
        }
    }
}
