package io.vmqos.host;

import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.ThreadChange;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;
import io.vmqos.core.vm.VmThreads;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns per-stage reservations of a VM into thread changes, by {@link ThreadRole#stage()}: each vCPU thread gets
 * {@code vcpu}; the main loop and every iothread get {@code io}; every vhost worker gets {@code vhost} (or {@code io}
 * when absent). Roles without a reservation are left alone. Pure; labels name the VM and role (e.g. {@code web1 vcpu0}).
 */
public final class VmReservationPlan {
    private VmReservationPlan() {}

    /** Reservations per stage, and vhost's own override of its stage's; null means leave those threads alone. */
    public record RoleReservations(Reservation vcpu, Reservation io, Reservation vhost) {
        Reservation forRole(ThreadRole role) {
            if (role == ThreadRole.VHOST && vhost != null) return vhost;
            return role.stage().map(stage -> switch (stage) {
                case VCPU -> vcpu;
                case IO -> io;
                case NAPI -> null;
            }).orElse(null);
        }
    }

    /** The changes that reserve the VM's threads. */
    public static List<ThreadChange> reserve(VmThreads vm, RoleReservations r) {
        List<ThreadChange> out = new ArrayList<>();
        for (VmThread t : vm.threads()) {
            Reservation res = r.forRole(t.role());
            if (res != null) out.add(new ThreadChange(t.tid(), SchedAttributes.deadline(res), label(vm, t)));
        }
        return out;
    }

    /** The changes that give every vCPU thread SCHED_FIFO at {@code priority} (what libvirt's vcpusched offers). */
    public static List<ThreadChange> fifoVcpus(VmThreads vm, int priority) {
        List<ThreadChange> out = new ArrayList<>();
        for (VmThread t : vm.vcpus()) out.add(new ThreadChange(t.tid(), SchedAttributes.fifo(priority), label(vm, t)));
        return out;
    }

    /**
     * The changes that put every DEADLINE or real-time thread of the VM back to SCHED_OTHER nice 0, reading their
     * current attributes with {@code scheduler}; threads that exited meanwhile are skipped.
     */
    public static List<ThreadChange> release(VmThreads vm, io.vmqos.linux.ThreadScheduler scheduler) {
        Map<Integer, SchedAttributes> now = new java.util.HashMap<>();
        for (VmThread t : vm.threads()) {
            try {
                now.put(t.tid(), scheduler.get(t.tid()));
            } catch (io.vmqos.linux.SchedException.ThreadGone gone) {
                // exited: nothing to release
            }
        }
        return release(vm, now);
    }

    /** The changes that put every given thread of the VM back to SCHED_OTHER nice 0. */
    public static List<ThreadChange> release(VmThreads vm, Map<Integer, SchedAttributes> current) {
        List<ThreadChange> out = new ArrayList<>();
        for (VmThread t : vm.threads()) {
            SchedAttributes a = current.get(t.tid());
            if (a != null && (a.isDeadline() || a.policy().isRealTime())) {
                out.add(new ThreadChange(t.tid(), SchedAttributes.other(), label(vm, t)));
            }
        }
        return out;
    }

    static String label(VmThreads vm, VmThread t) {
        return (vm.name() == null || vm.name().isEmpty() ? "pid " + vm.pid() : vm.name()) + " " + t.name();
    }
}
