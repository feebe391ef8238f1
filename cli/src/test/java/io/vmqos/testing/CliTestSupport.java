package io.vmqos.testing;

import io.vmqos.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Base for tests that run the command line in-process: {@link #run} returns the exit code and keeps out/err. */
public abstract class CliTestSupport {
    protected String out = "", err = "";

    /** Runs {@code vmqos ARGS...}; stdout and stderr land in {@link #out} and {@link #err}. */
    protected int run(String... args) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = Main.run(new PrintWriter(o, true), new PrintWriter(e, true), args);
        out = o.toString();
        err = e.toString();
        return code;
    }
}
