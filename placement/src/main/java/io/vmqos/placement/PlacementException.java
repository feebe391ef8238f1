package io.vmqos.placement;

/**
 * A Placement request that failed: the message says what was asked, what went wrong and the fix, so that the CLI
 * prints it as is.
 */
public class PlacementException extends RuntimeException {
    /** What went wrong, for callers that act on it (a conflict is re-read and retried). */
    public enum Kind { UNREACHABLE, NOT_PLACEMENT, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, UNKNOWN_RESOURCE_CLASS, CONFLICT, BAD_REQUEST, SERVER_ERROR }

    private final Kind kind;
    private final int status;

    public PlacementException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    public Kind kind() { return kind; }

    /** The HTTP status, or 0 when none came back. */
    public int status() { return status; }

    /** True for a 409: a provider's or consumer's generation moved (someone else changed it), or capacity ran out. */
    public boolean conflict() { return kind == Kind.CONFLICT; }
}
