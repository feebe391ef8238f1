package io.vmqos.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code vmqos hook install|uninstall|script|run}: libvirt's QEMU hook ({@link HookScript}, {@link HookMain}). The
 * Debian package installs the hook itself; {@code install} is for a source checkout.
 */
@Command(name = "hook", mixinStandardHelpOptions = true,
        description = {"libvirt's QEMU hook: admission at domain start and migration, reservation when it has started, release when it stops.",
                "The hook passes each call to the running agent; a domain is vmqos's when its XML has vmqos metadata (see README, libvirt)."},
        subcommands = {HookCommand.Install.class, HookCommand.Uninstall.class, HookCommand.Script.class, HookCommand.Run.class})
final class HookCommand {
    /** libvirt daemons that run QEMU hooks: the monolithic one and the modular QEMU one. */
    static final List<String> DAEMONS = List.of("libvirtd", "virtqemud");

    static final class Target {
        @Option(names = "--java", paramLabel = "PATH", description = "Java runtime the hook runs (default: this one).") Path java;
        @Option(names = "--jar", paramLabel = "PATH", description = "vmqos jar (or class path) the hook runs (default: this one).") String jar;
        @Option(names = "--run-dir", paramLabel = "DIR", description = "The agent's run directory, where its socket is (default: /run/vmqos).") Path runDir;
        @Option(names = "--cache-dir", paramLabel = "DIR", defaultValue = "/var/cache/vmqos",
                description = "Where the JVM keeps the hook's class-data archive, for a quicker start (default: ${DEFAULT-VALUE}).") Path cacheDir;

        String script(Path java, String jar) {
            return HookScript.text(java, jar, runDir == null ? null : runDir.toAbsolutePath(), cacheDir.toAbsolutePath());
        }

        Path java() {
            return java != null ? java.toAbsolutePath() : Path.of(ProcessHandle.current().info().command()
                    .orElse(System.getProperty("java.home") + "/bin/java"));
        }

        String jar() {
            if (jar != null) {
                List<String> parts = new ArrayList<>();
                for (String p : jar.split(":")) parts.add(Path.of(p).toAbsolutePath().normalize().toString());
                return String.join(":", parts);
            }
            try {
                return Path.of(HookMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            } catch (java.net.URISyntaxException | RuntimeException e) {
                throw new CommandFailedException(Main.USAGE, "cannot tell which jar runs (" + e.getMessage() + "); give --jar PATH");
            }
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Write the hook to /etc/libvirt/hooks/qemu.d/vmqos and have a running libvirtd read it (SIGHUP, as systemctl reload does).")
    static final class Install implements Callable<Integer> {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Mixin Target target;
        @Option(names = "--dir", paramLabel = "DIR", description = "Hook directory (default: ${DEFAULT-VALUE}).", defaultValue = "/etc/libvirt/hooks/qemu.d")
        Path dir;
        @Option(names = "--no-reload", description = "Do not signal libvirtd (it reads its hooks when it starts or reloads).") boolean noReload;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            Path java = target.java();
            String jar = target.jar();
            if (!Files.isExecutable(java)) throw new CommandFailedException(Main.USAGE, "--java " + java + " is not executable (fix: give a Java 25 runtime's bin/java)");
            for (String p : jar.split(":")) {
                if (!Files.exists(Path.of(p))) throw new CommandFailedException(Main.USAGE, "--jar " + p + " does not exist (fix: build it, mvn package, or give the vmqos jar)");
            }
            Path file = dir.resolve(HookScript.NAME);
            if (Files.exists(file) && !Files.readString(file, StandardCharsets.UTF_8).contains(HookScript.MARK)) {
                throw new CommandFailedException(Main.REFUSED, "" + file + " exists and was not written by vmqos; nothing changed (fix: move it away)");
            }
            Files.createDirectories(dir);
            Files.createDirectories(target.cacheDir);
            Path tmp = dir.resolve("." + HookScript.NAME + ".new");
            Files.writeString(tmp, target.script(java, jar), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            out.println("installed " + file + " (runs " + jar + " on " + java + ")");
            out.println(noReload ? "libvirt runs it once it starts or reloads (systemctl reload libvirtd)" : reload());
            return Main.DONE;
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true, description = "Remove the hook vmqos wrote (and have a running libvirtd forget it).")
    static final class Uninstall implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--dir", paramLabel = "DIR", description = "Hook directory (default: ${DEFAULT-VALUE}).", defaultValue = "/etc/libvirt/hooks/qemu.d")
        Path dir;
        @Option(names = "--no-reload", description = "Do not signal libvirtd.") boolean noReload;
        @Option(names = "--cache-dir", paramLabel = "DIR", defaultValue = "/var/cache/vmqos",
                description = "The hook's class-data archive directory: its archive is removed, the directory too when empty (default: ${DEFAULT-VALUE}).")
        Path cacheDir;

        @Override
        public Integer call() throws IOException {
            Path file = dir.resolve(HookScript.NAME);
            PrintWriter out = spec.commandLine().getOut();
            if (!Files.exists(file)) {
                out.println("no hook at " + file + ": nothing to remove");
                return Main.DONE;
            }
            if (!Files.readString(file, StandardCharsets.UTF_8).contains(HookScript.MARK)) {
                throw new CommandFailedException(Main.REFUSED, "" + file + " was not written by vmqos; left in place");
            }
            Files.delete(file);
            try {
                Files.deleteIfExists(dir); // the directory install made, when no other hook is left in it
            } catch (java.nio.file.DirectoryNotEmptyException kept) {
                // other hooks: not ours
            }
            Files.deleteIfExists(cacheDir.resolve("hook.jsa"));
            try {
                Files.deleteIfExists(cacheDir);
            } catch (java.nio.file.DirectoryNotEmptyException kept) {
                // other files there: not ours to remove
            }
            out.println("removed " + file);
            if (!noReload) out.println(reload());
            return Main.DONE;
        }
    }

    @Command(name = "script", mixinStandardHelpOptions = true, description = "Print the hook script (the package build uses it).")
    static final class Script implements Callable<Integer> {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Mixin Target target;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(target.script(target.java(), target.jar()));
            spec.commandLine().getOut().flush();
            return Main.DONE;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "What the hook runs: pass libvirt's call (domain XML on stdin) to the agent. Exit 1 refuses the domain.")
    static final class Run implements Callable<Integer> {
        @Parameters(arity = "3..4", paramLabel = "ARG", description = "NAME OPERATION SUBOPERATION [EXTRA], as libvirt gives them.") List<String> args;

        @Override
        public Integer call() {
            return HookMain.run(args.toArray(String[]::new), System.in, System.err, Agents.socket());
        }
    }

    /** SIGHUP to the running libvirt daemons (what {@code systemctl reload} sends): they read their hooks again. */
    static String reload() {
        List<String> done = new ArrayList<>();
        io.vmqos.linux.ProcFs proc = new io.vmqos.linux.ProcFs();
        ProcessHandle.allProcesses().forEach(p -> {
            String comm = proc.comm((int) p.pid()).orElse("");
            if (DAEMONS.contains(comm)) {
                try {
                    if (new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start().waitFor() == 0) done.add(comm + " (pid " + p.pid() + ")");
                } catch (IOException e) {
                    // kill missing: reported below as not reloaded
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        return done.isEmpty() ? "no libvirt daemon runs: it finds the hook when it starts" : "reloaded " + String.join(", ", done) + " so that it runs the hook";
    }
}
