package io.vmqos.cli;

import io.vmqos.core.config.HostConfig;
import io.vmqos.host.service.ConfigRefusedException;
import io.vmqos.host.service.HostService;
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
 * {@code vmqos apply -f host.yaml}: makes the host what the file says (every VM's reservations, NAPI, IRQ affinity,
 * partitions, shaping) in one all-or-nothing reconcile, recorded with the values before. When any VM is refused, prints
 * the plan and changes nothing (exit 1). Applying the same file twice changes nothing the second time.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Make the host what a configuration file says (reservations, NAPI, IRQs, partitions, shaping), all or nothing.")
final class ApplyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigFileOption config;
    @Option(names = "--json", description = "Print the plan and the changes as JSON.") boolean json;
    @Mixin LockOptions lock;

    @Override
    public Integer call() {
        HostConfig cfg = config.read(Host.withReserve(0));
        for (var vm : cfg.vms()) {
            if (vm.reclaim()) throw Reclaim.unbounded("vms[" + vm.name() + "].reclaim", "let the agent keep this file instead: vmqos agent -f " + config.file);
        }
        Host host = Host.withReserve(cfg.host().hostReserve());
        var costs = ConfigFileOption.costs(cfg);
        PrintWriter out = spec.commandLine().getOut();
        HostService.Outcome done;
        try (var held = lock.acquire(spec)) {
            done = host.service("vmqos apply -f " + config.file, lock.wait(spec)).applyConfig(config.scope(), cfg, costs, HostService.Mode.ALL_OR_NOTHING);
        } catch (ConfigRefusedException refused) {
            PlanReports.PlanView view = PlanReports.PlanView.of(cfg, refused.desired(), refused.desired().notes());
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("plan", PlanReports.json(cfg, view));
                m.put("changed", 0);
                Json.print(out, m);
            } else {
                PlanReports.printText(out, cfg, view);
                out.println("apply: refused, nothing changed");
                out.flush();
            }
            return Main.REFUSED;
        }
        PlanReports.PlanView view = PlanReports.PlanView.of(cfg, done.desired(), done.notes());
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("plan", PlanReports.json(cfg, view));
            m.putAll(Reports.applyJson(done.report()));
            m.put("steps", done.done());
            m.put("notes", done.notes());
            Json.print(out, m);
        } else {
            PlanReports.printText(out, cfg, view);
            Reports.printSteps(out, done);
            Reports.printApplyText(out, done.report(), "reserved", !done.desired().threads().isEmpty());
        }
        return Main.DONE;
    }
}
