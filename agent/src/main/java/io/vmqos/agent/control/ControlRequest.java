package io.vmqos.agent.control;

import java.util.List;

/**
 * One request on the agent's control socket: a vmqos command line to run inside the agent (so that it is serialised
 * with the agent's own reconciles and recorded in the same state), and the caller's working directory for relative
 * paths. Sent as one JSON object on one line.
 */
public record ControlRequest(int version, List<String> argv, String cwd) {
    public static final int VERSION = 1;

    public ControlRequest {
        argv = argv == null ? List.of() : List.copyOf(argv);
    }
}
