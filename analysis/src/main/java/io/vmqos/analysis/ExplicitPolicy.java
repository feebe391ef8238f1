package io.vmqos.analysis;

import io.vmqos.core.CpuList;
import io.vmqos.core.Reservation;
import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedFlag;
import io.vmqos.core.desired.DesiredIrq;
import io.vmqos.core.desired.DesiredNapi;
import io.vmqos.core.desired.DesiredShaping;
import io.vmqos.core.desired.DesiredState;
import io.vmqos.core.desired.DesiredThread;
import io.vmqos.core.desired.DeviceRef;
import io.vmqos.core.net.Irq;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.net.ShapingSpec;
import io.vmqos.core.net.TapRef;
import io.vmqos.core.observed.ObservedVm;
import io.vmqos.core.vm.ThreadRole;
import io.vmqos.core.vm.VmThread;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The desired state of {@code vmqos vm reserve}: reservations given per role instead of sized from an SLA. Pure.
 *
 * <p>Each vCPU thread gets {@code vcpu}; the main loop and every iothread {@code io}; every vhost worker
 * {@code vhost} (or {@code io}); the NAPI and IRQ threads on the VM's path {@code napi} (one reservation per thread
 * however many VMs share it), with threaded NAPI on for every polling device of the path; each tap shaped towards
 * ({@code egress}) and from ({@code ingress}) the VM; with {@code steerIrqs}, every path IRQ that may run outside the
 * CPUs the VM's threads may use moved onto them (without: a note with the fix).
 */
public final class ExplicitPolicy {
    private ExplicitPolicy() {}

    /**
     * @param vcpu reservation of each vCPU thread, or null to leave them
     * @param io reservation of the main loop and each iothread, or null
     * @param vhost reservation of each vhost worker, or null for {@code io}
     * @param napi reservation of each NAPI/IRQ thread on the path, or null to leave the path's NAPI alone
     * @param reclaim also SCHED_FLAG_RECLAIM on every reserved thread
     */
    public record Request(Reservation vcpu, Reservation io, Reservation vhost, Reservation napi, Optional<ShapingSpec> egress,
                          Optional<ShapingSpec> ingress, boolean steerIrqs, boolean reclaim) {
        public Request {
            egress = egress == null ? Optional.empty() : egress;
            ingress = ingress == null ? Optional.empty() : ingress;
        }

        /** Only per-role reservations (no path work). */
        public static Request roles(Reservation vcpu, Reservation io, Reservation vhost) {
            return new Request(vcpu, io, vhost, null, Optional.empty(), Optional.empty(), false, false);
        }

        Reservation forRole(ThreadRole role) {
            if (role == ThreadRole.VHOST && vhost != null) return vhost;
            return switch (role.stage().orElse(null)) {
                case VCPU -> vcpu;
                case IO -> io;
                case null, default -> null;
            };
        }
    }

    public static DesiredState desired(ObservedVm vm, Request req) {
        List<String> notes = new ArrayList<>();
        List<DesiredThread> threads = new ArrayList<>();
        Set<SchedFlag> flags = req.reclaim() ? EnumSet.of(SchedFlag.RECLAIM) : EnumSet.noneOf(SchedFlag.class);
        String name = vm.name();
        for (VmThread t : vm.threads().threads()) {
            Reservation r = req.forRole(t.role());
            if (r != null) threads.add(new DesiredThread(t.tid(), vm.threads().pid(), List.of(name), name + " " + t.name(),
                    SchedAttributes.deadline(r, flags), DesiredThread.ANY_CPU));
        }
        List<NetDevice> devices = vm.network().devices();
        List<DesiredNapi> napi = new ArrayList<>();
        if (req.napi() != null) {
            TreeSet<Integer> seen = new TreeSet<>();
            for (VmThread t : vm.threads().threads()) seen.add(t.tid());
            for (NetDevice d : vm.network().napiDevices()) napi.add(new DesiredNapi(new DeviceRef(d.name(), d.ns()), List.of(name)));
            for (NetDevice d : devices) {
                for (KernelThread k : d.packetThreads()) {
                    if (!seen.add(k.pid())) continue;
                    threads.add(new DesiredThread(k.pid(), k.pid(), List.of(name), "path " + k.comm() + " (" + d.name() + ")",
                            SchedAttributes.deadline(req.napi(), flags), DesiredThread.ANY_CPU));
                }
            }
        }
        List<DesiredShaping> shaping = new ArrayList<>();
        for (TapRef tap : vm.network().taps()) {
            DeviceRef dev = new DeviceRef(tap.name(), tap.ns());
            req.egress().ifPresent(s -> shaping.add(new DesiredShaping(dev, DesiredShaping.EGRESS, s, name)));
            req.ingress().ifPresent(s -> shaping.add(new DesiredShaping(dev, DesiredShaping.INGRESS, s, name)));
        }
        List<DesiredIrq> irqs = new ArrayList<>();
        BitSet cpus = vm.allowedCpus();
        if (!cpus.isEmpty()) {
            TreeSet<Integer> done = new TreeSet<>();
            for (NetDevice d : devices) {
                for (Irq irq : d.irqs()) {
                    if (irq.affinity().isEmpty() || !done.add(irq.number())) continue;
                    BitSet outside = CpuList.parse(irq.affinity());
                    outside.andNot(cpus);
                    if (outside.isEmpty()) continue;
                    if (req.steerIrqs()) {
                        irqs.add(new DesiredIrq(irq.number(), irq.name(), new DeviceRef(d.name(), d.ns()), CpuList.format(cpus), List.of(name)));
                    } else {
                        notes.add("IRQ " + irq.number() + " (" + irq.name() + ") of " + d.name() + " may run on CPUs " + irq.affinity()
                                + ", outside the CPUs " + CpuList.format(cpus) + " the reserved threads use (fix: echo " + CpuList.format(cpus)
                                + " > /proc/irq/" + irq.number() + "/smp_affinity_list, or reserve with --steer-irqs)");
                    }
                }
            }
        }
        if (req.napi() != null && devices.stream().allMatch(d -> d.packetThreads().isEmpty()) && napi.isEmpty()) {
            notes.add("vm " + name + ": no polling device on its path: no NAPI thread to reserve");
        }
        return new DesiredState(threads, napi, irqs, List.of(), shaping, Set.of(), null, Set.of(), notes);
    }
}
