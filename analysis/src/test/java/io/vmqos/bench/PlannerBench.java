package io.vmqos.bench;

import io.vmqos.analysis.Planner;
import io.vmqos.analysis.Sizer;
import io.vmqos.analysis.SizingPolicy;
import io.vmqos.core.CostModel;
import io.vmqos.core.HostCapacity;
import io.vmqos.core.HostPlan;
import io.vmqos.core.KernelLimits;
import io.vmqos.core.NetworkSla;
import io.vmqos.core.RootDomain;
import io.vmqos.core.StageCost;
import io.vmqos.core.VmRequest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Plain benchmark harness: median wall time to plan 1 000 VMs × 3 stages (NAPI, IO, VCPU).
 * Scenarios: a host big enough to admit all (512 CPUs, global and partitioned), and this 2-CPU host where most
 * VMs are refused and each refusal runs the what-would-fit bisections.
 *
 * <p>Run: {@code mvn -q -o test-compile && java -cp target/classes:target/test-classes io.vmqos.bench.PlannerBench}
 */
public final class PlannerBench {
    public static void main(String[] args) {
        int vms = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 21;
        List<VmRequest> requests = requests(vms);
        Planner planner = new Planner(new Sizer(KernelLimits.DEFAULT, SizingPolicy.DEFAULT));
        run("512 CPUs, global EDF, all admitted", planner, host(512, false), requests, runs);
        run("512 CPUs, partitioned FFD, all admitted", planner, host(512, true), requests, runs);
        run("2 CPUs, global EDF, most refused (with bisection)", planner, HostCapacity.ofCpus(2), requests, Math.max(3, runs / 4));
    }

    static List<VmRequest> requests(int n) {
        CostModel costs = CostModel.of(new StageCost(1_000, 0), new StageCost(2_000, 0.5), new StageCost(3_000, 1));
        List<VmRequest> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            NetworkSla sla = new NetworkSla(2_000 + 97L * (i % 101), 64 + 16 * (i % 90), 1 + i % 16, 1_000_000 + 50_000L * (i % 37));
            out.add(VmRequest.of(String.format(Locale.ROOT, "vm%05d", i), sla, costs));
        }
        return out;
    }

    static HostCapacity host(int cpus, boolean partitioned) {
        TreeSet<Integer> set = new TreeSet<>();
        for (int i = 0; i < cpus; i++) set.add(i);
        return new HostCapacity(List.of(RootDomain.of("root", set)), HostCapacity.DEFAULT_RESERVE, partitioned);
    }

    static void run(String name, Planner planner, HostCapacity host, List<VmRequest> requests, int runs) {
        HostPlan last = null;
        for (int i = 0; i < 3; i++) last = planner.plan(host, requests);   // warm-up
        long[] ns = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            last = planner.plan(host, requests);
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        System.out.printf(Locale.ROOT, "%-52s %d VMs: median %.2f ms (min %.2f, max %.2f, %d runs); admitted %d, refused %d%n",
                name, requests.size(), ns[runs / 2] / 1e6, ns[0] / 1e6, ns[runs - 1] / 1e6, runs,
                last.vms().size(), last.refusals().size());
    }
}
