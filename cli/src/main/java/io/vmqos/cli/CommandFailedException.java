package io.vmqos.cli;

/** A command that cannot go on, with the exit code to return and a message that says what to do. */
public final class CommandFailedException extends RuntimeException {
    private final int exitCode;

    public CommandFailedException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() { return exitCode; }
}
