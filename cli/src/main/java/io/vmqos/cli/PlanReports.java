package io.vmqos.cli;

import io.vmqos.core.CpuBandwidth;
import io.vmqos.core.Durations;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.Placement;
import io.vmqos.core.Refusal;
import io.vmqos.core.StageReservation;
import io.vmqos.core.VmPlan;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.VmConfig;
import io.vmqos.analysis.HostPolicy;
import io.vmqos.core.HostPlan;
import io.vmqos.core.desired.DesiredState;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Text and JSON renderings of a host configuration's plan ({@code vmqos plan|apply -f}). */
final class PlanReports {
    private PlanReports() {}

    /** What is shown of a plan: the admitted VMs and refusals, which VMs were planned unsized, the reserve, notes. */
    record PlanView(HostPlan result, java.util.Set<String> unsized, double hostReserve, List<String> notes) {
        static PlanView of(HostConfig cfg, DesiredState d, List<String> notes) {
            return new PlanView(d.plan(), d.unsized(), cfg.host().hostReserve(), notes);
        }

        boolean complete() { return result.complete(); }
    }

    static void printText(PrintWriter out, HostConfig cfg, PlanView plan) {
        Map<String, Refusal> refused = new LinkedHashMap<>();
        for (Refusal r : plan.result().refusals()) refused.put(r.vm(), r);
        List<VmConfig> vms = new ArrayList<>(cfg.vms());
        vms.sort(java.util.Comparator.comparing(VmConfig::name));
        for (VmConfig vm : vms) {
            VmPlan p = plan.result().vm(vm.name());
            Refusal r = refused.get(vm.name());
            if (p != null) {
                out.printf("VM %s (%s): admitted on root domain %s%n", vm.name(), vm.locator().describe(), domainOf(plan, vm.name()));
                vm.sizingSla().ifPresent(s -> out.printf("  SLA %s%n", sla(s)));
                out.printf("  %-6s %-16s %-8s %-12s %s%n", "STAGE", "RESERVATION", "CPU", "RATE (pps)", "LATENCY");
                for (StageReservation s : p.stages()) {
                    out.printf("  %-6s %-16s %-8s %-12s %s%n", HostPolicy.stageName(s.stage()), s.reservation(),
                            s.reservation().bandwidth().percent(), s.guaranteedRatePps() < 0 ? "n/a" : String.valueOf(s.guaranteedRatePps()),
                            Durations.format(s.latencyNs()));
                }
                if (plan.unsized().contains(vm.name())) {
                    out.printf("  delay bound n/a, backlog bound n/a (explicit reservations without %s)%n", vm.hasSla() ? "a cost model" : "an SLA");
                } else {
                    out.printf("  delay bound %s (SLA %s), backlog bound %d packets%n", Durations.format(p.delayBoundNs()),
                            Durations.format(p.sla().latencyBoundNs()), p.backlogBoundPackets());
                }
            } else if (r != null) {
                out.printf("VM %s (%s): REFUSED by %s%n", vm.name(), vm.locator().describe(), r.constraint());
                vm.sizingSla().ifPresent(s -> out.printf("  SLA %s%n", sla(s)));
                switch (r.shortfall()) {
                    case Refusal.BandwidthShortfall b -> out.printf("  needs %s, %s available: short by %s%n", amount(b.needed()), amount(b.available()), amount(b.missing()));
                    case Refusal.LatencyShortfall l -> out.printf("  needs %s, %s available: short by %s%n", latency(l.neededNs()), latency(l.availableNs()), latency(l.missingNs()));
                }
                List<String> fits = new ArrayList<>();
                r.largestRatePps().ifPresent(x -> fits.add("at most " + x + " pps (same burst and latency)"));
                r.smallestLatencyBoundNs().ifPresent(x -> fits.add("a latency bound of " + Durations.format(x) + " (same rate)"));
                out.printf("  would fit: %s%n", fits.isEmpty() ? "nothing smaller: free bandwidth or add CPUs" : String.join("; or ", fits));
                out.printf("  %s%n", r.message());
            }
        }
        out.printf("host: %s of a CPU planned in total%n", plan.result().totalBandwidth().percent());
        for (var e : plan.result().remainingPerRootDomain().entrySet()) {
            out.printf("  root domain %s: %s left (after the %s host reserve and what others hold)%n", e.getKey(), e.getValue().percent(),
                    Math.round(plan.hostReserve() * 100) + "%");
        }
        for (String n : plan.notes()) out.printf("note: %s%n", n);
        out.printf("%s%n", plan.complete() ? "plan: every VM admitted" : "plan: " + plan.result().refusals().size() + " VM(s) refused");
        out.flush();
    }

    static Map<String, Object> json(HostConfig cfg, PlanView plan) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("admitted", plan.complete());
        List<Map<String, Object>> vms = new ArrayList<>();
        for (VmPlan p : plan.result().vms()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("name", p.vm());
            v.put("locator", cfg.vm(p.vm()).map(c -> c.locator().describe()).orElse(""));
            v.put("rootDomain", domainOf(plan, p.vm()));
            v.put("sized", !plan.unsized().contains(p.vm()));
            v.put("sla", p.sla());
            List<Map<String, Object>> stages = new ArrayList<>();
            for (StageReservation s : p.stages()) {
                Map<String, Object> st = new LinkedHashMap<>();
                st.put("stage", HostPolicy.stageName(s.stage()));
                st.put("reservation", s.reservation().toString());
                st.put("runtimeNs", s.reservation().runtimeNs());
                st.put("deadlineNs", s.reservation().deadlineNs());
                st.put("periodNs", s.reservation().periodNs());
                st.put("bandwidth", s.reservation().bandwidth().cpus());
                st.put("guaranteedRatePps", s.guaranteedRatePps());
                st.put("latencyNs", s.latencyNs());
                stages.add(st);
            }
            v.put("stages", stages);
            v.put("delayBoundNs", p.delayBoundNs());
            v.put("backlogBoundPackets", p.backlogBoundPackets());
            vms.add(v);
        }
        m.put("vms", vms);
        List<Map<String, Object>> refusals = new ArrayList<>();
        for (Refusal r : plan.result().refusals()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("vm", r.vm());
            x.put("constraint", r.constraint().name());
            x.put("unit", r.constraint().unit());
            // in the constraint's unit: kernel units of a CPU, or ns
            switch (r.shortfall()) {
                case Refusal.BandwidthShortfall b -> {
                    x.put("needed", b.needed().kernelUnits());
                    x.put("available", b.available().kernelUnits());
                    x.put("shortfall", b.missing().kernelUnits());
                }
                case Refusal.LatencyShortfall l -> {
                    x.put("needed", l.neededNs());
                    x.put("available", l.availableNs());
                    x.put("shortfall", l.missingNs());
                }
            }
            x.put("largestRatePps", r.largestRatePps().isPresent() ? r.largestRatePps().getAsLong() : null);
            x.put("smallestLatencyBoundNs", r.smallestLatencyBoundNs().isPresent() ? r.smallestLatencyBoundNs().getAsLong() : null);
            x.put("message", r.message());
            refusals.add(x);
        }
        m.put("refusals", refusals);
        m.put("totalBandwidth", plan.result().totalBandwidth().cpus());
        Map<String, Object> remaining = new LinkedHashMap<>();
        plan.result().remainingPerRootDomain().forEach((k, v) -> remaining.put(k, v.cpus()));
        m.put("remainingPerRootDomain", remaining);
        m.put("hostReserve", plan.hostReserve());
        m.put("notes", plan.notes());
        return m;
    }

    private static String domainOf(PlanView plan, String vm) {
        for (Placement p : plan.result().placements()) if (p.vm().equals(vm)) return p.rootDomain();
        return "?";
    }

    private static String sla(NetworkSla s) {
        return s.ratePps() + " pps of " + s.packetBytes() + " B, burst " + s.burstPackets() + " packets, latency " + Durations.format(s.latencyBoundNs());
    }

    private static String amount(CpuBandwidth b) { return b.percent() + " of a CPU"; }

    private static String latency(long ns) { return ns == Long.MAX_VALUE ? "unbounded" : Durations.format(ns); }
}
