package io.vmqos.linux.net;

import org.junit.jupiter.api.Assumptions;

import java.util.ArrayList;
import java.util.List;

/**
 * Creates network namespaces (prefix {@code vqnet}) for integration tests and deletes them on {@link #close()},
 * which also removes every device inside. Skips (Assumptions) when not root or iproute2 is missing.
 */
final class NetnsFixture implements AutoCloseable {
    private static final java.util.concurrent.atomic.AtomicInteger SEQ = new java.util.concurrent.atomic.AtomicInteger();

    final IpRoute ip = IpRoute.system();
    private final List<String> namespaces = new ArrayList<>();
    /** Short unique tag per fixture: device names are limited to 15 chars. */
    final String tag = Integer.toString((int) (ProcessHandle.current().pid() % 1000), 36) + SEQ.incrementAndGet();

    NetnsFixture() {
        Assumptions.assumeTrue(!"false".equals(System.getProperty("vmqos.kernel.tests")), "kernel tests disabled");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        CommandRunner.CommandResult r = ip.runner().run(List.of("ip", "-V"), null);
        Assumptions.assumeTrue(r.ok(), "iproute2 not installed (apt-get install -y iproute2)");
    }

    /** A new namespace {@code vqnet<tag><suffix>}. */
    String netns(String suffix) {
        String name = "vqnet" + tag + suffix;
        ip.ip(null, "netns", "add", name);
        namespaces.add(name);
        ip.ip(name, "link", "set", "lo", "up");
        return name;
    }

    /** Runs a command and fails the test if it fails. */
    String sh(String... argv) { return ip.run(List.of(argv), null).stdout(); }

    @Override
    public void close() {
        for (String ns : namespaces.reversed()) {
            ip.runner().run(List.of("ip", "netns", "del", ns), null);
        }
        namespaces.clear();
    }
}
