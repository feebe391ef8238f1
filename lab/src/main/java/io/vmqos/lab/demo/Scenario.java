package io.vmqos.lab.demo;

import io.vmqos.core.InvalidInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The demo's scenarios, in the order the report shows them. */
public enum Scenario {
    /** No noise, default scheduling: the baseline. */
    ISOLATED("isolated", false),
    /** CPU noise, default scheduling for every VM thread. */
    NOISY("noisy", true),
    /** CPU noise, SCHED_DEADLINE reservations on the VM's vCPU, main-loop/iothread and vhost threads. */
    NOISY_VMQOS("noisy+vmqos", true),
    /**
     * CPU noise, lean reservations kept by {@code vmqos agent}: floors sized from a live calibration of the VM's own
     * traffic, {@code reclaim: true} and {@code adaptive: true}, so each runtime follows 0.95 of the thread's mean use and a
     * thread may run on what others leave ({@link LeanScenario}).
     */
    NOISY_VMQOS_LEAN("noisy+vmqos-lean", true),
    /**
     * CPU noise on every CPU but the last, the VM's threads alone on the last: a dedicated core, the anchor operators
     * know (Nova's {@code hw:cpu_policy=dedicated}); it "reserves" the whole core.
     */
    DEDICATED_CORE("dedicated-core", true),
    /** CPU noise, SCHED_FIFO vCPU threads only: what libvirt's vcpusched, OpenStack and KubeVirt offer today. */
    NOISY_FIFO("noisy+fifo", true),
    /**
     * CPU noise and a second VM flooded with bulk UDP from the client over the shared uplink (the lab veth playing
     * the NIC: threaded NAPI); the VM gets its own thread reservations only.
     */
    NOISY_FLOOD("noisy+flood", true, true),
    /**
     * As noisy+flood, plus the uplink's NAPI threads reserved for the sum of both VMs' SLAs, one HTB class per VM
     * where traffic enters the shared path, and the flooded VM's tap capped both ways ({@link FloodScenarios}).
     */
    NOISY_FLOOD_VMQOS("noisy+flood+vmqos", true, true);

    private final String label;
    private final boolean noisy;
    private final boolean flood;

    Scenario(String label, boolean noisy) { this(label, noisy, false); }

    Scenario(String label, boolean noisy, boolean flood) {
        this.label = label;
        this.noisy = noisy;
        this.flood = flood;
    }

    public String label() { return label; }

    public boolean noisy() { return noisy; }

    /** True for the scenarios that boot and flood a second VM (run only when asked for). */
    public boolean flood() { return flood; }

    /** Parses a comma-separated list of labels, e.g. {@code isolated,noisy+vmqos}. */
    public static List<Scenario> parseList(String field, String text) {
        List<Scenario> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip().toLowerCase(Locale.ROOT);
            Scenario found = null;
            for (Scenario s : values()) if (s.label.equals(p)) found = s;
            if (found == null) {
                throw new InvalidInputException(field, "unknown scenario '" + part.strip() + "'",
                        "use a comma-separated list of isolated, noisy, noisy+vmqos, noisy+vmqos-lean, dedicated-core, noisy+fifo, noisy+flood, noisy+flood+vmqos");
            }
            if (!out.contains(found)) out.add(found);
        }
        if (out.isEmpty()) throw new InvalidInputException(field, "is empty", "name at least one scenario");
        return out;
    }
}
