package io.vmqos.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an installed libvirt hook script as libvirtd does: {@code sh HOOK ARGS... -} with the domain XML on stdin.
 *
 * @param exit its exit code
 * @param err what it wrote on stderr (libvirt puts it in the operation's error)
 * @param out what it wrote on stdout (for {@code migrate}, libvirt would take it as a new domain XML)
 */
public record HookRun(int exit, String err, String out) {
    public static HookRun of(Path hook, String xml, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", hook.toString()));
        cmd.addAll(List.of(args));
        cmd.add("-");
        Process p = new ProcessBuilder(cmd).start();
        try (var in = p.getOutputStream()) {
            in.write(xml.getBytes(StandardCharsets.UTF_8));
        } catch (IOException closedEarly) {
            // the hook returned without reading the XML (a call vmqos ignores): libvirt ignores that EPIPE too
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the hook did not return within 60 s: " + cmd);
        }
        return new HookRun(p.exitValue(), err, out);
    }
}
