package io.vmqos.linux.net;

import java.util.List;

/**
 * An {@code ip}/{@code tc}/{@code ethtool} (or sysfs {@code cat}/{@code tee}) command that failed: the command line,
 * its exit code (-1 when it could not run at all), its stderr and, when the error is a known one, the fix.
 */
public final class NetCommandException extends NetException {
    private final List<String> command;
    private final int exitCode;
    private final String stderr;

    public NetCommandException(List<String> command, int exitCode, String stderr, String fix) {
        super("'" + String.join(" ", command) + "' failed with exit code " + exitCode + ": "
                + (stderr == null ? "" : stderr.strip()), fix, null);
        this.command = List.copyOf(command);
        this.exitCode = exitCode;
        this.stderr = stderr == null ? "" : stderr;
    }

    public List<String> command() { return command; }
    public int exitCode() { return exitCode; }
    public String stderr() { return stderr; }

    /** The command as one line, as an operator would type it. */
    public String commandLine() { return String.join(" ", command); }
}
