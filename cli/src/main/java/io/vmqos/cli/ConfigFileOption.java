package io.vmqos.cli;

import io.vmqos.core.config.HostConfig;
import io.vmqos.host.HostFacts;
import io.vmqos.host.HostPlanning;
import io.vmqos.host.PathNapiThreads;
import io.vmqos.host.VmFinder;
import io.vmqos.host.config.HostConfigParser;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code -f/--file host.yaml}: the host configuration file, read strictly before anything touches the host. */
final class ConfigFileOption {
    @Option(names = {"-f", "--file"}, required = true, paramLabel = "HOST.YAML",
            description = "Host configuration file (see README, Host configuration).")
    Path file;

    /** The parsed file; throws a located ConfigException (exit 2) for anything wrong in it. */
    HostConfig read(Host host) { return new HostConfigParser(host.limits()).parse(file); }

    static HostPlanning planning(Host host) {
        return new HostPlanning(VmFinder.system(), PathNapiThreads.system(VmFinder.system()), host.scheduler());
    }

    static HostFacts facts(Host host) { return HostFacts.read(host.deadlineLedger(), host.params()); }
}
