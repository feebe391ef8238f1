package io.vmqos.cli;

import io.vmqos.agent.PlacementPublisher;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.PlacementSection;
import io.vmqos.host.service.HostService;
import io.vmqos.placement.PlacementSync;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code vmqos fleet publish -f host.yaml --placement URL}: publishes this host once, with the agent's code
 * ({@link PlacementPublisher}). Changes nothing on the host. Exit 0 published; 1 Placement failed (the message says
 * what and the fix); 2 bad input.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Publish this host's root domains, deadline bandwidth and reserved VMs into OpenStack Placement, once.")
final class FleetPublishCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigFileOption config;
    @Mixin PlacementOptions placement;
    @Option(names = "--json", description = "Print what was published as JSON.") boolean json;

    @Override
    public Integer call() {
        HostConfig cfg = config.read(Host.withReserve(0));
        PlacementSection target = placement.section(Optional.of(cfg));
        HostService service = Host.withReserve(cfg.host().hostReserve()).service("vmqos fleet publish", java.time.Duration.ZERO);
        PlacementSync.Report r = PlacementPublisher.publish(target, cfg, service.observer(), service.record());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("root", r.root().toString());
            Map<String, String> children = new LinkedHashMap<>();
            r.children().forEach((n, u) -> children.put(n, u.toString()));
            m.put("children", children);
            m.put("changes", r.changes());
            Json.print(out, m);
        } else {
            out.println("published into " + target.url() + ": provider " + r.root() + " with " + r.children().keySet());
            if (r.changes().isEmpty()) out.println("  (Placement already matched this host)");
            for (String c : r.changes()) out.println("  " + c);
        }
        out.flush();
        return Main.DONE;
    }
}
