package io.vmqos.cli;

import io.vmqos.core.SchedAttributes;
import io.vmqos.core.net.KernelThread;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.net.NetPath;
import io.vmqos.linux.SchedException;
import io.vmqos.linux.ThreadScheduler;
import io.vmqos.linux.net.ClassStats;
import io.vmqos.linux.net.NapiChange;
import io.vmqos.linux.net.QdiscStats;
import io.vmqos.linux.net.ShapedLink;
import io.vmqos.linux.net.ShapingStats;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Text and JSON views of a VM's network path, its shaping statistics and path transactions. */
final class PathViews {
    private PathViews() {}

    /** One path thread with its scheduling now. */
    record ThreadLine(int tid, String comm, String policy, String params) {}

    /** One device on a path. */
    record DeviceLine(String name, String kind, String ns, boolean threadedNapi, List<ThreadLine> threads, List<String> irqs) {}

    /** A tap's path. */
    record PathLine(String tap, String ns, String bridge, List<DeviceLine> devices) {}

    /** Class and qdisc counters of one shaped device. */
    record StatsLine(String device, String ns, List<ClassStats> classes, List<QdiscStats> qdiscs) {
        static StatsLine of(ShapingStats s) { return new StatsLine(s.device(), s.ns(), s.classes(), s.qdiscs()); }
    }

    static PathLine path(NetPath p, String ns, ThreadScheduler sched) {
        List<DeviceLine> devs = new ArrayList<>();
        for (NetDevice d : p.devices()) devs.add(device(d, sched));
        return new PathLine(p.tap(), ns, p.bridge(), devs);
    }

    static DeviceLine device(NetDevice d, ThreadScheduler sched) {
        List<ThreadLine> ts = new ArrayList<>();
        for (KernelThread t : d.packetThreads()) ts.add(thread(t, sched));
        List<String> irqs = d.irqs().stream().map(i -> i.number() + " " + i.name() + " cpus " + i.affinity()).toList();
        return new DeviceLine(d.name(), d.kind().name(), d.ns(), d.threadedNapi(), ts, irqs);
    }

    static ThreadLine thread(KernelThread t, ThreadScheduler sched) {
        try {
            SchedAttributes a = sched.get(t.pid());
            return new ThreadLine(t.pid(), t.comm(), a.policy().name(), a.describe());
        } catch (SchedException e) {
            return new ThreadLine(t.pid(), t.comm(), "gone", "");
        }
    }

    static void printPath(PrintWriter out, PathLine p) {
        out.printf("path of tap %s%s: bridge %s%n", p.tap(), p.ns() == null ? "" : " (netns " + p.ns() + ")", p.bridge());
        for (DeviceLine d : p.devices()) printDevice(out, d);
    }

    static void printDevice(PrintWriter out, DeviceLine d) {
        out.printf("  %-16s %-8s %s%s%n", d.name(), d.kind(), d.threadedNapi() ? "threaded NAPI" : "-",
                d.ns() == null ? "" : "  netns " + d.ns());
        for (ThreadLine t : d.threads()) out.printf("    %-8d %-16s %s%n", t.tid(), t.comm(), t.params());
        for (String irq : d.irqs()) out.printf("    irq %s%n", irq);
    }

    static void printStats(PrintWriter out, StatsLine s) {
        out.printf("  tc on %s%s%n", s.device(), s.ns() == null ? "" : " (netns " + s.ns() + ")");
        out.printf("    %-6s %-6s %-10s %-10s %-12s %-10s %-8s %s%n", "KIND", "CLASS", "RATE", "CEIL", "BYTES", "PACKETS", "DROPS", "OVERLIMITS");
        for (ClassStats c : s.classes()) {
            out.printf("    %-6s %-6s %-10s %-10s %-12d %-10d %-8d %d%n", c.kind(), c.classId(), rate(c.rateBits()), rate(c.ceilBits()),
                    c.bytes(), c.packets(), c.drops(), c.overlimits());
        }
        for (QdiscStats q : s.qdiscs()) {
            out.printf("    qdisc %-8s %-6s bytes %d packets %d drops %d overlimits %d%n", q.kind(), q.handle(), q.bytes(), q.packets(),
                    q.drops(), q.overlimits());
        }
    }

    private static Map<String, Object> napi(NapiChange c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", c.device());
        m.put("ns", c.ns());
        m.put("previousThreaded", c.previousThreaded());
        m.put("previousGro", c.previousGro().orElse(null));
        m.put("previousTso", c.previousTso().orElse(null));
        m.put("threads", c.threads());
        return m;
    }

    private static Map<String, Object> shaped(ShapedLink s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", s.device());
        m.put("ns", s.ns());
        m.put("direction", s.ifb().isPresent() ? "ingress" : "egress");
        m.put("shapedDevice", s.shapedDevice());
        m.put("classIds", s.classIds());
        return m;
    }

    private static String rate(long bits) { return io.vmqos.linux.net.NetUnits.formatRate(bits); }
}
