package io.vmqos.lab;

/**
 * The lab (guest image, VM, namespaces) could not be set up. The message names the cause and the fix,
 * so the CLI can print it as is.
 */
public class LabSetupException extends RuntimeException {
    private final String fix;

    public LabSetupException(String cause, String fix) {
        super(cause + " (fix: " + fix + ")");
        this.fix = fix;
    }

    public LabSetupException(String cause, String fix, Throwable t) {
        super(cause + " (fix: " + fix + ")", t);
        this.fix = fix;
    }

    public String fix() { return fix; }
}
