package io.vmqos.cli;

import io.vmqos.testing.HookRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code vmqos hook install|uninstall|script|run} in a temporary hook directory, and the written script run as
 * libvirt runs it, without an agent: quick exits for what vmqos ignores, a refusal with the reason and the fix for a
 * domain with vmqos metadata.
 */
class HookCommandTest extends io.vmqos.testing.CliTestSupport {
    @TempDir Path dir;
    static final String OURS = "<domain><name>web</name><metadata><vmqos:vm xmlns:vmqos='http://vmqos.io/xmlns/libvirt/1'>"
            + "<vmqos:reservations vcpu='1ms/10ms'/></vmqos:vm></metadata></domain>";

    @Test
    void installWritesAnExecutableScriptThatUninstallRemoves() throws Exception {
        Path hooks = dir.resolve("hooks/qemu.d");
        String cp = System.getProperty("java.class.path");
        assertThat(run("hook", "install", "--dir", hooks.toString(), "--jar", cp, "--run-dir", dir.resolve("run").toString(), "--cache-dir", dir.resolve("cache").toString(), "--no-reload")).as(err).isZero();
        Path hook = hooks.resolve("vmqos");
        assertThat(hook).isExecutable();
        assertThat(out).contains("installed " + hook);
        String text = Files.readString(hook);
        assertThat(text).startsWith("#!/bin/sh\n").contains(HookScript.MARK).contains("io.vmqos.cli.HookMain").contains("VMQOS_RUN_DIR=");
        assertThat(run("hook", "script", "--jar", cp, "--run-dir", dir.resolve("run").toString(), "--cache-dir", dir.resolve("cache").toString())).isZero();
        assertThat(out).isEqualTo(text);

        assertThat(HookRun.of(hook, "<domain><name>web</name></domain>", "web", "start", "begin").exit()).as("a call vmqos ignores").isZero();
        assertThat(HookRun.of(hook, "<domain><name>web</name></domain>", "web", "prepare", "begin").exit()).as("no vmqos metadata").isZero();
        HookRun refused = HookRun.of(hook, OURS, "web", "prepare", "begin");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("domain web has vmqos metadata").contains("no vmqos agent listens").contains("fix: start the agent");
        assertThat(refused.out()).as("stdout stays empty (libvirt reads a migrated domain's XML from it)").isEmpty();
        HookRun started = HookRun.of(hook, OURS, "web", "started", "begin");
        assertThat(started.exit()).as("a domain that already runs is not stopped").isZero();
        assertThat(started.err()).contains("not passed to the agent");

        assertThat(run("hook", "uninstall", "--dir", hooks.toString(), "--cache-dir", dir.resolve("cache").toString(), "--no-reload")).as(err).isZero();
        assertThat(hook).doesNotExist();
        assertThat(hooks).as("the directory install made").doesNotExist();
        assertThat(dir.resolve("cache")).doesNotExist();
        assertThat(run("hook", "uninstall", "--dir", hooks.toString(), "--no-reload")).isZero();
        assertThat(out).contains("nothing to remove");
    }

    @Test
    void anotherProgramsHookIsNeverOverwrittenNorRemoved() throws Exception {
        Path hook = Files.createDirectories(dir.resolve("qemu.d")).resolve("vmqos");
        Files.writeString(hook, "#!/bin/sh\nexit 0\n");
        assertThat(run("hook", "install", "--dir", hook.getParent().toString(), "--jar", System.getProperty("java.class.path"), "--cache-dir", dir.resolve("c").toString(), "--no-reload")).isEqualTo(1);
        assertThat(err).contains("was not written by vmqos").contains("nothing changed");
        assertThat(run("hook", "uninstall", "--dir", hook.getParent().toString(), "--no-reload")).isEqualTo(1);
        assertThat(Files.readString(hook)).isEqualTo("#!/bin/sh\nexit 0\n");
        assertThat(run("hook", "install", "--dir", dir.resolve("x").toString(), "--jar", "/nonexistent.jar", "--cache-dir", dir.resolve("c").toString(), "--no-reload")).isEqualTo(2);
        assertThat(err).contains("--jar /nonexistent.jar does not exist");
        assertThat(dir.resolve("x")).doesNotExist();
        assertThat(dir.resolve("c")).doesNotExist();
    }

    @Test
    void runChecksItsArguments() {
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        assertThat(HookMain.run(new String[] {"web"}, new ByteArrayInputStream(new byte[0]), new PrintStream(e, true, StandardCharsets.UTF_8),
                dir.resolve("none.sock"))).isEqualTo(2);
        assertThat(e.toString(StandardCharsets.UTF_8)).contains("usage");
        byte[] big = new byte[HookMain.MAX_XML_BYTES + 10];
        assertThat(HookMain.run(new String[] {"web", "prepare", "begin", "-"}, new ByteArrayInputStream(big), new PrintStream(e, true, StandardCharsets.UTF_8),
                dir.resolve("none.sock"))).isEqualTo(1);
    }
}
