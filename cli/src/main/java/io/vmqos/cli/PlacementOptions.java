package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.PlacementSection;
import io.vmqos.placement.PlacementClient;
import picocli.CommandLine.Option;

import java.util.Optional;

/** {@code --placement URL [--token T]}: the Placement service a fleet command talks to. */
final class PlacementOptions {
    @Option(names = "--placement", paramLabel = "URL", description = "Placement's endpoint, e.g. http://controller:8778 (default: host.yaml's placement.url).")
    String url;
    @Option(names = "--token", paramLabel = "TOKEN", description = "x-auth-token to send: a Keystone token (openstack token issue), or admin for a noauth2 Placement.")
    String token;

    /** The service named on the command line, else in {@code cfg}'s placement key. */
    PlacementSection section(Optional<HostConfig> cfg) {
        Optional<PlacementSection> fromFile = cfg.flatMap(HostConfig::placement);
        if (url == null && fromFile.isEmpty()) throw new InvalidInputException("--placement", "is missing", "give Placement's URL, e.g. --placement http://controller:8778, or placement.url in host.yaml");
        String u = url != null ? url : fromFile.get().url();
        Optional<String> t = token != null ? Optional.of(token) : fromFile.flatMap(PlacementSection::token);
        return new PlacementSection(u, t, fromFile.flatMap(PlacementSection::name));
    }

    PlacementClient client(Optional<HostConfig> cfg) {
        PlacementSection s = section(cfg);
        return new PlacementClient(s.url(), s.token());
    }
}
