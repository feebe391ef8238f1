package io.vmqos.host.config;

import io.vmqos.core.InvalidInputException;

/**
 * A configuration or cost model file that vmqos refuses, naming the place: the message reads
 * {@code host.yaml:12:9 vms[0].sla.rx.latency: '5 parsecs' is not a duration (fix: ...)}. {@link #field()} is
 * {@code file:line:column key.path}. Thrown before anything touches the host; the CLI exits 2.
 */
public final class ConfigException extends InvalidInputException {
    private final String file;
    private final int line;
    private final int column;
    private final String keyPath;

    /**
     * @param file the file as the user named it
     * @param line 1-based line, or 0 when the error has no place in the file (e.g. a missing file)
     * @param column 1-based column, or 0
     * @param keyPath the YAML key path, e.g. {@code vms[0].sla.rx.rate}; "" for the whole file
     */
    public ConfigException(String file, int line, int column, String keyPath, String problem, String fix) {
        super(place(file, line, column) + (keyPath.isEmpty() ? "" : " " + keyPath), problem, fix);
        this.file = file;
        this.line = line;
        this.column = column;
        this.keyPath = keyPath;
    }

    public String file() { return file; }
    public int line() { return line; }
    public int column() { return column; }
    public String keyPath() { return keyPath; }

    private static String place(String file, int line, int column) {
        return line <= 0 ? file : file + ":" + line + ":" + column;
    }
}
