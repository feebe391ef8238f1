package io.vmqos.agent;

import io.vmqos.core.Refusal;
import io.vmqos.core.VmPlan;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.host.service.HostService;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What libvirt's QEMU hook ({@code /etc/libvirt/hooks/qemu.d/vmqos}, called as {@code vmqos hook run NAME OPERATION
 * SUBOPERATION EXTRA} with the domain XML on stdin) asks the agent, and the answers. Only four calls matter to vmqos;
 * {@link #event} maps every other one to empty, which the hook answers at once with success:
 * <ul>
 *   <li>{@code prepare begin} and {@code migrate begin} (on the destination host): admission; a refusal makes the hook
 *       exit 1 with the reason on stderr, which libvirt puts in {@code virsh start}'s error and which aborts a
 *       migration;</li>
 *   <li>{@code started begin}: reserve now (the QEMU process and its threads exist, the guest has not run yet);</li>
 *   <li>{@code release end}: release (QEMU has exited).</li>
 * </ul>
 * Values; {@link #admission} and {@link #protection} are pure.
 */
public final class LibvirtHook {
    private LibvirtHook() {}

    /** What a hook call asks. */
    public enum Event { ADMIT, STARTED, RELEASED }

    /**
     * One hook call.
     *
     * @param name the domain's name
     * @param operation libvirt's "operation suboperation", e.g. {@code prepare begin}
     * @param xml the domain XML libvirt gave the hook on stdin
     */
    public record Call(Event event, String operation, String name, String xml) {}

    /**
     * The hook's answer.
     *
     * @param ok false: libvirt must not go on (a refused admission)
     * @param answered false when the agent did not answer (not running, busy, failed)
     * @param message one line for the operator
     */
    public record Answer(boolean ok, boolean answered, String message) {
        public static Answer ok(String message) { return new Answer(true, true, message); }
        public static Answer refused(String message) { return new Answer(false, true, message); }
        public static Answer noAnswer(String why) { return new Answer(false, false, why); }
    }

    /** What libvirt's {@code OPERATION SUBOPERATION} asks vmqos, or empty when vmqos has nothing to do then. */
    public static Optional<Event> event(String operation, String subOperation) {
        String op = operation.toLowerCase(Locale.ROOT) + " " + subOperation.toLowerCase(Locale.ROOT);
        return switch (op) {
            case "prepare begin", "migrate begin" -> Optional.of(Event.ADMIT);
            case "started begin" -> Optional.of(Event.STARTED);
            case "release end" -> Optional.of(Event.RELEASED);
            default -> Optional.empty();
        };
    }

    /**
     * Whether {@code vm} may start: admitted in {@code after} (the host planned with it), and no VM that {@code before}
     * (planned without it) admitted is refused in {@code after}: a newcomer never takes a running VM's place.
     *
     * @param shadowed the configuration file has a VM of this name: its plan is the file's, the metadata is ignored
     */
    static Answer admission(String vm, boolean shadowed, DesiredState before, DesiredState after) {
        String prefix = shadowed ? "planned as host.yaml's VM " + vm + " (its vmqos metadata is ignored): " : "";
        if (after.plan() == null) return Answer.ok(prefix + "nothing to plan");
        Optional<Refusal> own = after.plan().refusals().stream().filter(r -> r.vm().equals(vm)).findFirst();
        if (own.isPresent()) return Answer.refused(prefix + own.get().message());
        Set<String> refusedBefore = new TreeSet<>();
        if (before.plan() != null) for (Refusal r : before.plan().refusals()) refusedBefore.add(r.vm());
        Set<String> displaced = new TreeSet<>();
        for (Refusal r : after.plan().refusals()) if (!refusedBefore.contains(r.vm())) displaced.add(r.vm());
        if (!displaced.isEmpty()) {
            return Answer.refused(prefix + "it fits only by taking the reservations of " + String.join(", ", displaced)
                    + ": release CPU bandwidth or start it on another host");
        }
        VmPlan p = after.plan().vm(vm);
        if (p == null) return Answer.ok(prefix + "nothing to plan");
        String bound = p.delayBoundNs() > 0 ? ", delay bound " + io.vmqos.core.Durations.format(p.delayBoundNs()) : "";
        return Answer.ok(prefix + String.format(Locale.ROOT, "admitted: %.1f%% of a CPU%s", p.bandwidth().cpus() * 100, bound));
    }

    /** The answer to {@code started}: which of the VM's planned threads the reconcile reserved. */
    static Answer protection(String vm, HostService.Outcome last, boolean succeeded) {
        if (!succeeded || last == null) return Answer.ok("the reconcile failed; the agent retries (see its log)");
        int n = 0;
        for (DesiredThread t : last.desired().threads()) if (t.vms().contains(vm) && t.attrs().isDeadline()) n++;
        if (n == 0) return Answer.ok("no thread reserved yet (see the agent's log)");
        return Answer.ok("reserved " + n + " thread(s)");
    }
}
