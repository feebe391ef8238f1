package io.vmqos.qemu;

import java.nio.file.Path;

/**
 * A failed QMP exchange. The message names the socket or command, what was found and the fix, so the CLI can
 * print it as is.
 *
 * <ul>
 *   <li>{@link NotQmp}: the path is missing, not a socket, refused, not readable, or the peer did not greet with
 *       QMP (garbage, another protocol, closed at once, silent).</li>
 *   <li>{@link CommandFailed}: QEMU answered a command with {@code {"error": {"class", "desc"}}}.</li>
 *   <li>{@link Timeout}: no answer within the client's timeout.</li>
 *   <li>{@link ConnectionClosed}: the connection ended (QEMU exited, or {@link QmpClient#close()} was called).</li>
 *   <li>{@link Interrupted}: the calling thread was interrupted while waiting (its interrupt flag is set again).</li>
 * </ul>
 */
public abstract sealed class QmpException extends RuntimeException
        permits QmpException.NotQmp, QmpException.CommandFailed, QmpException.Timeout,
                QmpException.ConnectionClosed, QmpException.Interrupted {

    private final Path socket;

    QmpException(Path socket, String message, Throwable cause) {
        super(message, cause);
        this.socket = socket;
    }

    /** The QMP socket path this is about. */
    public Path socket() { return socket; }

    /** The path cannot be used as a QMP socket; {@link #found()} says what is there instead. */
    public static final class NotQmp extends QmpException {
        private final String found;

        public NotQmp(Path socket, String found, String fix, Throwable cause) {
            super(socket, "QMP socket " + socket + ": " + found + " (fix: " + fix + ")", cause);
            this.found = found;
        }

        /** What was found at the path instead of a QMP server. */
        public String found() { return found; }
    }

    /** QEMU refused a command. */
    public static final class CommandFailed extends QmpException {
        private final String command;
        private final String errorClass;
        private final String description;

        public CommandFailed(Path socket, String command, String errorClass, String description) {
            super(socket, "QMP command '" + command + "' failed: " + errorClass + ": " + description, null);
            this.command = command;
            this.errorClass = errorClass;
            this.description = description;
        }

        public String command() { return command; }
        /** QEMU's error class, e.g. {@code CommandNotFound}, {@code GenericError}, {@code DeviceNotFound}. */
        public String errorClass() { return errorClass; }
        /** QEMU's human-readable description. */
        public String description() { return description; }
    }

    /** No answer in time. */
    public static final class Timeout extends QmpException {
        private final String command;
        private final long timeoutMillis;

        public Timeout(Path socket, String command, long timeoutMillis, String fix) {
            super(socket, "QMP socket " + socket + ": no answer to '" + command + "' within " + timeoutMillis
                    + " ms (fix: " + fix + ")", null);
            this.command = command;
            this.timeoutMillis = timeoutMillis;
        }

        /** The command that got no answer ({@code greeting} while connecting). */
        public String command() { return command; }
        public long timeoutMillis() { return timeoutMillis; }
    }

    /** The connection is gone. */
    public static final class ConnectionClosed extends QmpException {
        public ConnectionClosed(Path socket, String message, Throwable cause) {
            super(socket, "QMP socket " + socket + ": " + message, cause);
        }
    }

    /** The waiting thread was interrupted; the interrupt flag is restored. The command may still run in QEMU. */
    public static final class Interrupted extends QmpException {
        public Interrupted(Path socket, String command, InterruptedException cause) {
            super(socket, "QMP socket " + socket + ": interrupted while waiting for '" + command + "'", cause);
        }
    }
}
