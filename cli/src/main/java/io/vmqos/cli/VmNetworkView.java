package io.vmqos.cli;

import io.vmqos.core.net.TapRef;
import io.vmqos.core.vm.VmThreads;
import io.vmqos.host.state.HostRecord;
import io.vmqos.linux.net.LinkShaper;
import io.vmqos.linux.net.NetException;
import io.vmqos.linux.net.NetPathDiscovery;
import io.vmqos.linux.net.TapDiscovery;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The network part of {@code vmqos vm show}: each tap's path (devices, NAPI/IRQ threads with their policy) and the
 * tc statistics of the tap (and of the ifb when vmqos shapes the VM's ingress), or why there is none.
 */
record VmNetworkView(List<PathViews.PathLine> paths, List<PathViews.StatsLine> shaping, List<String> notes) {
    static VmNetworkView of(VmThreads vm, Host host, HostRecord record) {
        List<PathViews.PathLine> paths = new ArrayList<>();
        List<PathViews.StatsLine> stats = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<TapRef> taps;
        try {
            taps = new TapDiscovery().tapsOf(vm.pid());
        } catch (NetException e) {
            return new VmNetworkView(paths, stats, List.of(e.getMessage()));
        }
        if (taps.isEmpty()) notes.add("no tap: the VM has no host network path vmqos can reserve or shape");
        NetPathDiscovery discovery = NetPathDiscovery.system();
        LinkShaper shaper = LinkShaper.system();
        List<String> shapedDevices = new ArrayList<>();
        for (HostRecord.ShapingEntry s : record.shaping()) {
            if (s.ifb() != null && taps.stream().anyMatch(t -> s.device().sameAs(t.name(), t.ns()))) shapedDevices.add(s.ifb());
        }
        for (TapRef t : taps) {
            try {
                paths.add(PathViews.path(discovery.discover(t.name(), t.ns()), t.ns(), host.scheduler()));
            } catch (NetException e) {
                notes.add(e.getMessage());
            }
            for (String dev : concat(t.name(), shapedDevices)) {
                try {
                    stats.add(PathViews.StatsLine.of(shaper.stats(dev, t.ns())));
                } catch (NetException e) {
                    notes.add("tc statistics of " + dev + ": " + e.getMessage());
                }
            }
        }
        return new VmNetworkView(paths, stats, notes);
    }

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("paths", paths);
        m.put("shaping", shaping);
        m.put("notes", notes);
        return m;
    }

    void print(PrintWriter out) {
        for (PathViews.PathLine p : paths) PathViews.printPath(out, p);
        if (!shaping.isEmpty()) out.println("shaping (tc class statistics):");
        for (PathViews.StatsLine s : shaping) PathViews.printStats(out, s);
        for (String n : notes) out.println("note: " + n);
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> l = new ArrayList<>();
        l.add(first);
        l.addAll(rest);
        return l;
    }
}
