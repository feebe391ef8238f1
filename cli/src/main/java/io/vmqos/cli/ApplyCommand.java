package io.vmqos.cli;

import io.vmqos.core.config.HostConfig;
import io.vmqos.host.ConfigApply;
import io.vmqos.host.ConfigPlan;
import io.vmqos.host.HostPlanning;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code vmqos apply -f host.yaml}: plans the file and reserves every VM's threads in one all-or-nothing
 * transaction. When any VM is refused, prints the plan and changes nothing (exit 1). Applying the same file twice
 * changes nothing the second time.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Plan a host configuration file and reserve every VM's threads, all or nothing.")
final class ApplyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigFileOption config;
    @Option(names = "--json", description = "Print the plan and the changes as JSON.") boolean json;
    @Mixin LockOptions lock;

    @Override
    public Integer call() {
        HostConfig cfg = config.read(Host.withReserve(0));
        Host host = Host.withReserve(cfg.host().hostReserve());
        var costs = HostPlanning.loadCosts(cfg);
        try (var held = lock.acquire(spec)) {
            return planAndApply(cfg, host, costs);
        }
    }

    /** Under the host lock: the plan reads the ledger for admission, the apply changes the threads. */
    private int planAndApply(HostConfig cfg, Host host, java.util.Optional<io.vmqos.core.CostModel> costs) {
        HostPlanning planning = ConfigFileOption.planning(host);
        PrintWriter out = spec.commandLine().getOut();
        ConfigPlan plan = planning.plan(cfg, costs, ConfigFileOption.facts(host));
        if (!plan.complete()) {
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("plan", PlanReports.json(cfg, plan));
                m.put("changed", 0);
                Json.print(out, m);
            } else {
                PlanReports.printText(out, cfg, plan);
                out.println("apply: refused, nothing changed");
                out.flush();
            }
            return Main.REFUSED;
        }
        ConfigApply done = planning.apply(cfg, costs, ConfigFileOption.facts(host), host.reserver());
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("plan", PlanReports.json(cfg, done.plan()));
            m.putAll(Reports.applyJson(done.report()));
            m.put("notes", done.notes());
            Json.print(out, m);
        } else {
            PlanReports.printText(out, cfg, done.plan());
            for (String n : done.notes()) out.printf("note: %s%n", n);
            Reports.printApplyText(out, done.report(), "reserved");
        }
        return Main.DONE;
    }
}
