package io.vmqos.agent.control;

import java.util.List;

/**
 * One request on the agent's control socket: a vmqos command line to run inside the agent (so that it is serialised
 * with the agent's own reconciles and recorded in the same state), the caller's working directory for relative
 * paths, and what the command reads on its standard input (the domain XML of a libvirt hook call; null for none).
 * Sent as one JSON object on one line.
 */
public record ControlRequest(int version, List<String> argv, String cwd, String input) {
    public static final int VERSION = 1;

    public ControlRequest {
        argv = argv == null ? List.of() : List.copyOf(argv);
    }

    /** A command line without input. */
    public ControlRequest(int version, List<String> argv, String cwd) { this(version, argv, cwd, null); }
}
