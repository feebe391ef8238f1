package io.vmqos.cli;

import io.vmqos.core.CostModel;
import io.vmqos.core.config.HostConfig;
import io.vmqos.host.config.CostModelFile;
import io.vmqos.host.config.HostConfigParser;
import io.vmqos.host.service.Scopes;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** {@code -f/--file host.yaml}: the host configuration file, read strictly before anything touches the host. */
final class ConfigFileOption {
    @Option(names = {"-f", "--file"}, required = true, paramLabel = "HOST.YAML",
            description = "Host configuration file (see README, Host configuration).")
    Path file;

    /** The parsed file; throws a located ConfigException (exit 2) for anything wrong in it. */
    HostConfig read(Host host) { return new HostConfigParser(host.limits()).parse(file); }

    /** The cost model the file names, if any. */
    static Optional<CostModel> costs(HostConfig cfg) { return CostModelFile.modelOf(cfg); }

    /** The scope the file's changes are recorded under. */
    String scope() { return Scopes.config(file); }
}
