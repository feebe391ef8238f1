package io.vmqos.core;

/**
 * Input that vmqos refuses before touching the host. The message names the field, what is wrong with it and
 * the fix, so the CLI can print it as is and exit non-zero.
 */
public class InvalidInputException extends RuntimeException {
    private final String field;
    private final String problem;
    private final String fix;

    public InvalidInputException(String field, String problem, String fix) {
        super(field + ": " + problem + " (fix: " + fix + ")");
        this.field = field;
        this.problem = problem;
        this.fix = fix;
    }

    public String field() { return field; }
    public String problem() { return problem; }
    public String fix() { return fix; }
}
