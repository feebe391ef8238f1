package io.vmqos.cli;

import io.vmqos.agent.LibvirtHook;
import io.vmqos.agent.control.ControlClient;
import io.vmqos.agent.control.ControlRequest;
import io.vmqos.agent.control.ControlResponse;
import io.vmqos.host.config.DomainXmlParser;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * libvirt's QEMU hook, as {@code /etc/libvirt/hooks/qemu.d/vmqos} runs it ({@link HookScript}): {@code NAME OPERATION
 * SUBOPERATION [EXTRA]} with the domain XML on stdin. It has its own {@code main} without the command line's parser,
 * so that it starts quickly; it never calls back into libvirt (libvirt waits for it). It sends the call to the agent
 * on its control socket and exits with the answer: 0 to go on, 1 to refuse (the reason on stderr, which libvirt puts
 * in the error of {@code virsh start} and which aborts a migration). Nothing is written to stdout: for
 * {@code migrate}, libvirt would take it as a new domain XML. Calls vmqos has nothing to do with, and domains without
 * vmqos metadata, exit 0 at once.
 */
public final class HookMain {
    /** How long the hook waits for the agent (it waits for the duty thread, which may be in a reconcile). */
    static final Duration TIMEOUT = Duration.ofSeconds(15);
    /** The most XML read from stdin (a domain XML is a few kB; the agent takes requests up to 1 MiB). */
    static final int MAX_XML_BYTES = 512 * 1024;

    private HookMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.err, Agents.socket()));
    }

    /** Runs one hook call; returns the exit code. */
    static int run(String[] args, InputStream stdin, PrintStream err, Path socket) {
        if (args.length < 3) {
            err.println("vmqos hook: usage: NAME OPERATION SUBOPERATION [EXTRA] with the domain XML on stdin (libvirt calls it so)");
            return Main.USAGE;
        }
        String name = args[0], op = args[1], sub = args[2];
        Optional<LibvirtHook.Event> event = LibvirtHook.event(op, sub);
        String xml;
        try {
            xml = read(stdin);
        } catch (IOException e) {
            err.println("vmqos: domain " + name + ": cannot read the domain XML on stdin: " + e.getMessage());
            return event.orElse(null) == LibvirtHook.Event.ADMIT ? Main.REFUSED : Main.DONE;
        }
        if (event.isEmpty() || !xml.contains(DomainXmlParser.NAMESPACE)) return Main.DONE; // not ours
        ControlRequest req = new ControlRequest(ControlRequest.VERSION, List.of("hook", "run", name, op, sub), "/", xml);
        Optional<ControlResponse> r;
        try {
            r = send(socket, req);
        } catch (RuntimeException e) {
            return noAgent(event.get(), name, op + " " + sub, e.getMessage(), err);
        }
        if (r.isEmpty()) return noAgent(event.get(), name, op + " " + sub, "no vmqos agent listens on " + socket, err);
        ControlResponse a = r.get();
        if (!a.err().isBlank()) err.print(a.err().endsWith("\n") ? a.err() : a.err() + "\n");
        return a.exit();
    }

    private static int noAgent(LibvirtHook.Event event, String name, String op, String why, PrintStream err) {
        if (event == LibvirtHook.Event.ADMIT) {
            err.println("vmqos: domain " + name + " has vmqos metadata, but its SLA cannot be guaranteed: " + why
                    + " (fix: start the agent, systemctl start vmqos-agent; or remove the vmqos metadata from the domain)");
            return Main.REFUSED;
        }
        // the domain runs (or is gone) whatever we say now: say it, and let libvirt go on
        err.println("vmqos: domain " + name + ": " + op + " not passed to the agent: " + why + " (the agent catches up when it starts)");
        return Main.DONE;
    }

    private static Optional<ControlResponse> send(Path socket, ControlRequest req) {
        FutureTask<Optional<ControlResponse>> t = new FutureTask<>(() -> ControlClient.send(socket, req));
        Thread.ofPlatform().daemon().name("vmqos-hook").start(t);
        try {
            return t.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the vmqos agent did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    private static String read(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_XML_BYTES + 1);
        if (b.length > MAX_XML_BYTES) throw new IOException("longer than " + MAX_XML_BYTES + " bytes");
        return new String(b, StandardCharsets.UTF_8);
    }
}
