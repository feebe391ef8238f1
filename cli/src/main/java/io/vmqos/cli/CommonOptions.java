package io.vmqos.cli;

import picocli.CommandLine.Option;

/** Options every host-touching command takes. */
public final class CommonOptions {
    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Option(names = "--host-reserve", paramLabel = "SHARE", defaultValue = "10%",
            description = "Share of each root domain's capacity kept for the host (default: ${DEFAULT-VALUE}).")
    String hostReserve;
}
