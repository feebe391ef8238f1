package io.vmqos.agent;

import io.vmqos.core.config.HostConfig;
import io.vmqos.core.config.PlacementSection;
import io.vmqos.core.fleet.HostInventory;
import io.vmqos.host.fleet.ConsumerIds;
import io.vmqos.host.fleet.HostInventories;
import io.vmqos.host.service.HostObserver;
import io.vmqos.host.state.HostRecord;
import io.vmqos.placement.PlacementClient;
import io.vmqos.placement.PlacementSync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One publish of this host into Placement, the same for {@code vmqos fleet publish} and the agent: what the kernel
 * holds now and vmqos's record, as a {@link HostInventory}, synced by {@link PlacementSync}. Runs on the caller's
 * thread (the agent calls it on its publisher thread, never on its duty thread); idempotent.
 */
public final class PlacementPublisher {
    private PlacementPublisher() {}

    /** The kernel's host name ({@code /proc/sys/kernel/hostname}), the default provider name. */
    public static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** What this host would publish now. */
    public static HostInventory inventory(HostConfig cfg, HostObserver observer, HostRecord record) {
        String provider = HostInventories.providerName(cfg, hostName());
        return new HostInventories(ConsumerIds.system()).of(provider, cfg, observer.facts(record), record);
    }

    /** Publishes into {@code placement}; throws a PlacementException naming what failed and the fix. */
    public static PlacementSync.Report publish(PlacementSection placement, HostConfig cfg, HostObserver observer, HostRecord record) {
        HostInventory inv = inventory(cfg, observer, record);
        return new PlacementSync(new PlacementClient(placement.url(), placement.token())).sync(inv);
    }
}
