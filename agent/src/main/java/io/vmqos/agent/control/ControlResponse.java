package io.vmqos.agent.control;

/** The agent's answer: the command's exit code and what it printed. One JSON object on one line. */
public record ControlResponse(int exit, String out, String err) {
    public static ControlResponse error(int exit, String message) { return new ControlResponse(exit, "", message + "\n"); }
}
