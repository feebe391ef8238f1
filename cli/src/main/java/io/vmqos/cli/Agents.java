package io.vmqos.cli;

import io.vmqos.agent.HostAgent;
import io.vmqos.agent.control.CommandHandler;
import io.vmqos.agent.control.ControlClient;
import io.vmqos.agent.control.ControlRequest;
import io.vmqos.agent.control.ControlResponse;
import io.vmqos.host.RunDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The CLI's side of a running agent: which command lines change the host (those go to the agent when one runs, so
 * that they are serialised with its reconciles and recorded in its state), forwarding them, and the agent's handler
 * that runs them in process.
 */
final class Agents {
    /** Set while a forwarded command runs inside the agent, so that it is not forwarded again. */
    static final ThreadLocal<Boolean> IN_AGENT = ThreadLocal.withInitial(() -> false);
    private static final Set<String> CHANGING = Set.of("reserve", "release", "apply");
    private static final Set<String> PATH_OPTIONS = Set.of("-f", "--file", "--qmp");

    private Agents() {}

    /** The agent's control socket: {@code agent.sock} in the run directory. */
    static Path socket() { return RunDir.path().resolve("agent.sock"); }

    /** True for {@code reserve}, {@code release}, {@code apply}, {@code vm reserve|release}, {@code doctor --repair}. */
    static boolean changesHost(String... args) {
        List<String> a = List.of(args);
        if (a.isEmpty() || a.contains("--help") || a.contains("-h")) return false;
        return switch (a.getFirst()) {
            case "vm" -> a.size() > 1 && (a.get(1).equals("reserve") || a.get(1).equals("release"));
            case "doctor" -> a.contains("--repair");
            default -> CHANGING.contains(a.getFirst());
        };
    }

    /** Sends the command line to the running agent; empty when none runs (or inside the agent itself). */
    static Optional<ControlResponse> forward(String... args) {
        if (IN_AGENT.get() || System.getenv("VMQOS_NO_AGENT") != null) return Optional.empty();
        List<String> argv = new ArrayList<>();
        String cwd = Path.of("").toAbsolutePath().toString();
        for (int i = 0; i < args.length; i++) {
            String x = args[i];
            argv.add(x);
            if (PATH_OPTIONS.contains(x) && i + 1 < args.length) argv.add(Path.of(args[++i]).toAbsolutePath().normalize().toString());
        }
        return ControlClient.send(socket(), new ControlRequest(ControlRequest.VERSION, argv, cwd));
    }

    /** How long the agent's duty thread may take to answer a hook call (the hook itself waits a little longer). */
    static final java.time.Duration HOOK_ANSWER = java.time.Duration.ofSeconds(10);

    /** A libvirt hook call ({@link HookMain}): answered by the agent's duty thread. */
    private static ControlResponse hook(HostAgent agent, ControlRequest req, boolean root) {
        List<String> a = req.argv();
        String name = a.get(2);
        if (!root) return ControlResponse.error(Main.REFUSED, "vmqos: domain " + name + ": only root (libvirtd) may pass libvirt's hook calls to the agent");
        java.util.Optional<io.vmqos.agent.LibvirtHook.Event> event = io.vmqos.agent.LibvirtHook.event(a.get(3), a.get(4));
        if (event.isEmpty()) return new ControlResponse(Main.DONE, "", "");
        io.vmqos.agent.LibvirtHook.Answer answer = agent.hook(new io.vmqos.agent.LibvirtHook.Call(event.get(), a.get(3) + " " + a.get(4), name,
                req.input() == null ? "" : req.input()), HOOK_ANSWER);
        String prefix = "vmqos: domain " + name + ": ";
        if (!answer.answered()) {
            return event.get() == io.vmqos.agent.LibvirtHook.Event.ADMIT
                    ? ControlResponse.error(Main.REFUSED, prefix + "refused: the SLA cannot be checked now: " + answer.message() + " (fix: retry, or see the agent's log)")
                    : ControlResponse.error(Main.DONE, prefix + answer.message() + " (the agent catches up)");
        }
        return answer.ok() ? new ControlResponse(Main.DONE, "", prefix + answer.message() + "\n")
                : ControlResponse.error(Main.REFUSED, prefix + "refused by vmqos: " + answer.message());
    }

    /** Runs forwarded command lines in the agent's process; only root (or the socket group's members) may change the host through it. */
    static CommandHandler handler(HostAgent agent, Path file) {
        Path own = file.toAbsolutePath().normalize();
        return (req, root) -> {
            String[] argv = req.argv().toArray(String[]::new);
            if (argv.length >= 5 && argv[0].equals("hook") && argv[1].equals("run")) return hook(agent, req, root);
            if (!root && changesHost(argv)) {
                return ControlResponse.error(Main.REFUSED, "vmqos: only root may change the host (the agent's control socket refuses other users; an agent started with --socket-group lets that group's members)");
            }
            List<String> a = req.argv();
            if (SlaWatchView.asks(a)) return SlaWatchView.answer(agent, a); // read-only: any user
            if (!a.isEmpty() && a.getFirst().equals("release") && (a.contains(own.toString()))) {
                return ControlResponse.error(Main.REFUSED, "vmqos release: the agent keeps " + own + " true; stop the agent "
                        + "(vmqos agent ... --release-on-exit releases on stop) or remove the VMs from the file");
            }
            StringWriter out = new StringWriter(), err = new StringWriter();
            int exit;
            IN_AGENT.set(true);
            try {
                exit = Main.runLocal(new PrintWriter(out, true), new PrintWriter(err, true), argv);
            } finally {
                IN_AGENT.set(false);
            }
            if (exit == Main.DONE && changesHost(argv)) agent.recordChanged(); // its guard follows what the command reserved
            return new ControlResponse(exit, out.toString(), err.toString());
        };
    }
}
