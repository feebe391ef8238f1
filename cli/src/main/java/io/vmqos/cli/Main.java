package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;
import io.vmqos.host.PlanRefusedException;
import io.vmqos.host.TransactionFailedException;
import io.vmqos.linux.SchedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code vmqos} command line. Exit codes: 0 done; 1 refused or failed with nothing changed; 2 usage error
 * or bad input.
 */
@Command(name = "vmqos", mixinStandardHelpOptions = true, version = "vmqos 0.1.0",
        description = "Network QoS guarantees for virtual machines through SCHED_DEADLINE CPU reservations.",
        subcommands = {ReserveCommand.class, ReleaseCommand.class, ShowCommand.class, DoctorCommand.class, VmCommand.class,
                PlanCommand.class, ApplyCommand.class, AgentCommand.class, HookCommand.class, FleetCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    public static final int DONE = 0;
    public static final int REFUSED = 1;
    public static final int USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        return run(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /**
     * Runs the command line writing to the given streams. A command that changes the host goes to the agent when one
     * runs (see {@link Agents}), so that it is serialised with the agent's reconciles; otherwise it runs here.
     */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        if (Agents.changesHost(args)) {
            java.util.Optional<io.vmqos.agent.control.ControlResponse> r;
            try {
                r = Agents.forward(args);
            } catch (RuntimeException e) {
                err.println("vmqos: " + e.getMessage());
                err.flush();
                return REFUSED;
            }
            if (r.isPresent()) {
                out.print(r.get().out());
                out.flush();
                err.print(r.get().err());
                err.flush();
                return r.get().exit();
            }
        }
        return runLocal(out, err, args);
    }

    /** Runs the command line in this process, whatever runs elsewhere. */
    static int runLocal(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        for (CliExtension ext : java.util.ServiceLoader.load(CliExtension.class)) {
            for (Object sub : ext.subcommands()) cl.addSubcommand(sub);
            ext.nestedSubcommands().forEach((parent, subs) -> subs.forEach(sub -> cl.getSubcommands().get(parent).addSubcommand(sub)));
        }
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            String prefix = "vmqos " + line.getCommandName() + ": ";
            return switch (ex) {
                case InvalidInputException e -> { line.getErr().println(prefix + e.getMessage()); yield USAGE; }
                case PlanRefusedException e -> { line.getErr().println(prefix + "refused, nothing changed: " + e.getMessage()); yield REFUSED; }
                case TransactionFailedException e -> { line.getErr().println(prefix + "failed: " + e.getMessage()); yield REFUSED; }
                case SchedException e -> { line.getErr().println(prefix + e.getMessage()); yield REFUSED; }
                case io.vmqos.qemu.VmDiscoveryException e -> { line.getErr().println(prefix + e.getMessage()); yield USAGE; }
                case io.vmqos.qemu.QmpException e -> { line.getErr().println(prefix + e.getMessage()); yield REFUSED; }
                case io.vmqos.host.service.ConfigRefusedException e -> { line.getErr().println(prefix + "refused, nothing changed: " + e.getMessage()); yield REFUSED; }
                case io.vmqos.host.service.VmNotFoundException e -> { line.getErr().println(prefix + e.getMessage()); yield USAGE; }
                case io.vmqos.host.reconcile.ReconcileFailedException e when e.rolledBack() && e.getCause() instanceof PlanRefusedException r -> {
                    // the kernel's admission (or another scope) refused a change: everything before it was put back
                    line.getErr().println(prefix + "refused, nothing changed: " + r.getMessage());
                    yield REFUSED;
                }
                case io.vmqos.host.reconcile.ReconcileFailedException e -> { line.getErr().println(prefix + "failed: " + e.getMessage()); yield REFUSED; }
                case io.vmqos.linux.PartitionException e -> { line.getErr().println(prefix + e.getMessage()); yield REFUSED; }
                case io.vmqos.host.HostLockedException e -> { line.getErr().println(prefix + e.getMessage()); yield REFUSED; }
                case io.vmqos.linux.net.NetException e -> { line.getErr().println(prefix + e.getMessage()); yield REFUSED; }
                case io.vmqos.analysis.fleet.FleetRefusedException e -> { line.getErr().println(prefix + "refused: " + e.getMessage()); yield REFUSED; }
                case io.vmqos.placement.PlacementException e -> { line.getErr().println(prefix + e.getMessage()); yield REFUSED; }
                case CommandFailedException e -> { line.getErr().println(prefix + e.getMessage()); yield e.exitCode(); }
                default -> {
                    line.getErr().println(prefix + "failed: " + ex);
                    if (System.getenv("VMQOS_DEBUG") != null) ex.printStackTrace(line.getErr());
                    yield REFUSED;
                }
            };
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("vmqos " + c.getCommandName() + ": " + ex.getMessage());
            c.getErr().println("Try: vmqos " + (c.getParent() == null ? "" : c.getCommandName() + " ") + "--help");
            return USAGE;
        });
        return cl;
    }
}
