package io.vmqos.agent.control;

/**
 * Runs a {@link ControlRequest} for the control server: the CLI module supplies one that runs the command line in
 * process. Called on the connection's own thread, concurrently for several clients: it must take the host lock for
 * anything that changes the host (which serialises it with the agent's reconciles).
 */
@FunctionalInterface
public interface CommandHandler {
    /** @param rootPeer true when the peer may change the host: it runs as root, or is in the socket's group (SO_PEERCRED) */
    ControlResponse run(ControlRequest request, boolean rootPeer);
}
