package io.vmqos.cli;

import io.vmqos.core.config.HostConfig;
import io.vmqos.host.service.HostService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/**
 * {@code vmqos plan -f host.yaml}: sizes and admits every VM of the file against the live ledger and prints, per VM
 * and stage, the reservation, guaranteed rate and latency, the VM's delay and backlog bounds, the host total and
 * what is left per root domain; for a refusal, the failing constraint, the shortfall and what would fit.
 * Changes nothing. Exit 0 when every VM is admitted, 1 when any is refused, 2 for a bad file.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Plan the reservations of a host configuration file against the live host; changes nothing.")
final class PlanCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigFileOption config;
    @Option(names = "--json", description = "Print the plan as JSON.") boolean json;

    @Override
    public Integer call() {
        HostConfig cfg = config.read(Host.withReserve(0));
        Host host = Host.withReserve(cfg.host().hostReserve());
        HostService.Outcome o = host.service("vmqos plan", java.time.Duration.ZERO).plan(config.scope(), cfg, ConfigFileOption.costs(cfg));
        PlanReports.PlanView view = PlanReports.PlanView.of(cfg, o.desired(), o.notes());
        if (json) Json.print(spec.commandLine().getOut(), PlanReports.json(cfg, view));
        else PlanReports.printText(spec.commandLine().getOut(), cfg, view);
        return view.complete() ? Main.DONE : Main.REFUSED;
    }
}
