package io.vmqos.testing;

import io.vmqos.cli.Main;
import io.vmqos.host.HostLock;
import org.junit.jupiter.api.AfterEach;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Base for tests that run the command line in-process: {@link #run} returns the exit code and keeps out/err; after
 * each test the host lock must not be held by this JVM.
 */
public abstract class CliTestSupport {
    protected String out = "", err = "";

    @AfterEach
    void hostLockReleased() {
        if (HostLock.isHeldInThisProcess(HostLock.defaultFile())) throw new AssertionError("a command left the host lock held");
    }

    /** Runs {@code vmqos ARGS...}; stdout and stderr land in {@link #out} and {@link #err}. */
    protected int run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o, true), new PrintWriter(e, true), args);
        out = o.toString();
        err = e.toString();
        return code;
    }
}
