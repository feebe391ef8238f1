package io.vmqos.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * {@code vmqos agent -f FILE} as a separate process (this JVM's class path), its stderr in a file, its run directory
 * (lock, record, control socket) of the caller's own: the lab's tests and the demo's lean scenario. They stop it with
 * {@link #term} (SIGTERM) or {@link #kill9} (SIGKILL, as a crash) and read its log.
 */
public final class AgentProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final Path runDir;

    private AgentProcess(Process process, Path log, Path runDir) {
        this.process = process;
        this.log = log;
        this.runDir = runDir;
    }

    /** Starts the agent on {@code config}; {@code env} adds variables (e.g. VMQOS_PAUSE_AT). */
    public static AgentProcess start(Path config, Path runDir, Path log, Map<String, String> env, String... extra) throws IOException {
        return start(TEST_JVM, config, runDir, log, env, extra);
    }

    /** JVM options for agents under test: a quick start (C1 only). */
    public static final List<String> TEST_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");

    /** JVM options the {@code ./vmqos} launcher runs the agent with: its argument file {@code scripts/agent.jvm} (tests run in their module's directory). */
    public static final List<String> DAEMON_JVM = List.of("@" + Path.of("../scripts/agent.jvm").toAbsolutePath().normalize());

    /** As {@link #start(Path, Path, Path, Map, String...)} with the given JVM options. */
    public static AgentProcess start(List<String> jvm, Path config, Path runDir, Path log, Map<String, String> env, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.vmqos.cli.Main", "agent", "-f", config.toString()));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("VMQOS_RUN_DIR", runDir.toString());
        pb.environment().putAll(env);
        return new AgentProcess(pb.start(), log, runDir);
    }

    public long pid() { return process.pid(); }
    public boolean alive() { return process.isAlive(); }
    public Path runDir() { return runDir; }

    /** The log so far. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits until the log matches {@code regex} (anywhere); false after {@code timeout} or when the agent died. */
    public boolean await(String regex, Duration timeout) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (p.matcher(log()).find()) return true;
            if (!process.isAlive()) return p.matcher(log()).find();
            Thread.sleep(10);
        }
        return false;
    }

    /** SIGKILL, as a crash: no shutdown hook runs. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM, and waits for the agent to stop; its exit code. */
    public int term() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            throw new AssertionError("the agent did not stop on SIGTERM within 30 s; log:\n" + log());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill9();
    }

    /** {@code vmqos ARGS} in this JVM with the agent's run directory: exit code, stdout, stderr. */
    public static String[] cli(Path runDir, String... args) {
        String old = System.getProperty(io.vmqos.host.RunDir.PROPERTY);
        System.setProperty(io.vmqos.host.RunDir.PROPERTY, runDir.toString());
        try {
            java.io.StringWriter out = new java.io.StringWriter(), err = new java.io.StringWriter();
            int code = io.vmqos.cli.Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), args);
            return new String[] {Integer.toString(code), out.toString(), err.toString()};
        } finally {
            if (old == null) System.clearProperty(io.vmqos.host.RunDir.PROPERTY);
            else System.setProperty(io.vmqos.host.RunDir.PROPERTY, old);
        }
    }
}
