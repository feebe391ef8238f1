package io.vmqos.agent;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The agent's log: one line per event on stderr ({@code 2026-12-01T19:30:01.123Z vmqos-agent INFO ...}), which
 * systemd's journal keeps. Thread-safe (one {@code println} per line).
 */
public final class Log {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private final PrintStream out;
    private final boolean debug;

    public Log(PrintStream out, boolean debug) {
        this.out = out;
        this.debug = debug;
    }

    public static Log stderr() { return new Log(System.err, System.getenv("VMQOS_DEBUG") != null); }

    public void info(String msg) { line("INFO", msg); }

    public void warn(String msg) { line("WARN", msg); }

    public void error(String msg, Throwable t) {
        line("ERROR", msg);
        if (debug && t != null) t.printStackTrace(out);
    }

    public void debug(String msg) { if (debug) line("DEBUG", msg); }

    private void line(String level, String msg) {
        out.println(TIME.format(Instant.now()) + " vmqos-agent " + level + " " + msg);
        out.flush();
    }
}
