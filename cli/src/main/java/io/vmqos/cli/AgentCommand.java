package io.vmqos.cli;

import io.vmqos.agent.AgentRunner;
import io.vmqos.agent.AgentStats;
import io.vmqos.agent.HostAgent;
import io.vmqos.agent.Log;
import io.vmqos.agent.Wakeup;
import io.vmqos.agent.control.ControlServer;
import io.vmqos.core.Durations;
import io.vmqos.host.service.HostService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code vmqos agent -f host.yaml}: runs in the foreground, logs to stderr, stops on SIGTERM/SIGINT. See
 * {@link HostAgent} for what it reconciles and when; the CLI's host-changing commands talk to it on its control socket
 * while it runs.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Keep every guarantee of a host configuration true while VMs start, stop, restart and get new threads.",
                "Runs in the foreground and logs to stderr; stops on SIGTERM or SIGINT, leaving the reservations in place "
                        + "(unless --release-on-exit). While it runs, vmqos commands that change the host go through it."})
final class AgentCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = {"-f", "--file"}, required = true, paramLabel = "HOST.YAML", description = "Host configuration file to keep true.") Path file;
    @Option(names = "--interval", defaultValue = "10s", paramLabel = "DURATION",
            description = "Safety-net reconcile period, besides the events (default: ${DEFAULT-VALUE}).") String interval;
    @Option(names = "--release-on-exit", description = "Release every reservation of the file when the agent stops.") boolean releaseOnExit;
    @Option(names = "--socket", paramLabel = "PATH", description = "Control socket (default: agent.sock in /run/vmqos, or $VMQOS_RUN_DIR).")
    Path socket;
    @Option(names = "--socket-group", paramLabel = "GROUP",
            description = "Let members of GROUP use the control socket (mode 0660) and change the host through the agent as root does.")
    String socketGroup;
    @Option(names = "--metrics", paramLabel = "[HOST:]PORT",
            description = "Serve Prometheus metrics on http://HOST:PORT/metrics (HOST 127.0.0.1 unless given; see README, Metrics).")
    String metrics;
    @Option(names = "--no-libvirt", description = "Keep only the VMs of the file, not the libvirt domains whose XML has vmqos metadata.")
    boolean noLibvirt;

    @Override
    public Integer call() throws Exception {
        Duration every = Duration.ofNanos(Durations.parseNanos("--interval", interval));
        if (every.toMillis() < 100) {
            throw new io.vmqos.core.InvalidInputException("--interval", Durations.format(every.toNanos()) + " is too short", "give at least 100ms, e.g. 10s");
        }
        Log log = Log.stderr();
        Host host = Host.withReserve(0.10);
        HostService service = host.agentService("vmqos agent -f " + file);
        Wakeup wakeup = new Wakeup();
        AgentStats stats = new AgentStats();
        HostAgent agent = new HostAgent(file, service, f -> new io.vmqos.host.config.HostConfigParser(host.limits()).parse(f),
                io.vmqos.host.config.CostModelFile::modelOf, every, releaseOnExit, wakeup, log, stats, host.traffic());
        io.vmqos.agent.metrics.MetricsServer.Address metricsAt = metrics == null ? null : io.vmqos.agent.metrics.MetricsServer.Address.parse("--metrics", metrics);
        if (!noLibvirt) agent.watchingLibvirt(io.vmqos.qemu.VmDiscovery.LIBVIRT_PID_DIRS.subList(0, 1), new io.vmqos.host.config.DomainXmlParser(host.limits()));
        agent.load(); // a bad file at start: exit 2 with its file:line error
        Path sock = socket != null ? socket : Agents.socket();
        ControlServer control = ControlServer.start(sock, socketGroup, Agents.handler(agent, file), log);
        io.vmqos.agent.metrics.MetricsServer served = null;
        if (metricsAt != null) {
            try {
                served = io.vmqos.agent.metrics.MetricsServer.start(metricsAt, host.metrics(agent, stats), stats.protectTimes());
            } catch (java.io.IOException e) {
                control.close();
                throw new io.vmqos.core.InvalidInputException("--metrics", "cannot listen on " + metrics + ": " + e.getMessage(),
                        "give a free port, or stop what listens there");
            }
            log.info("metrics on " + served.url());
        }
        io.vmqos.agent.metrics.MetricsServer metricsServer = served;
        AgentRunner runner = new AgentRunner(agent, wakeup, 5_000_000L, log);
        Thread hook = new Thread(() -> {
            runner.close();
            control.close();
            if (metricsServer != null) metricsServer.close();
        }, "vmqos-agent-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        log.info("vmqos agent pid " + ProcessHandle.current().pid() + " started; control socket " + sock);
        runner.start();
        runner.join();
        control.close();
        if (metricsServer != null) metricsServer.close();
        return Main.DONE;
    }
}
