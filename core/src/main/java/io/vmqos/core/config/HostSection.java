package io.vmqos.core.config;

import io.vmqos.core.InvalidInputException;

import java.util.List;

/**
 * The {@code host:} section. Immutable.
 *
 * @param cpus the CPUs vmqos plans on, as a kernel CPU list ({@code 0-3,6}); empty = every online CPU. Must cover
 *     whole root domains (the kernel admits DEADLINE bandwidth per root domain)
 * @param partitioned true: plan each stage thread on one CPU (partitioned EDF); false (default): global EDF
 * @param hostReserve fraction of each root domain's capacity never planned, in {@code [0, 1)} (default 0.10)
 * @param nics host NIC names that carry the VMs' traffic (for the network path layer); may be empty
 */
public record HostSection(String cpus, boolean partitioned, double hostReserve, List<String> nics) {
    /** Default share of capacity kept for the host: 10%. */
    public static final double DEFAULT_RESERVE = 0.10;

    /** All online CPUs, global EDF, 10% reserve, no NICs. */
    public static final HostSection DEFAULT = new HostSection("", false, DEFAULT_RESERVE, List.of());

    public HostSection {
        cpus = cpus == null ? "" : cpus.strip();
        if (!(hostReserve >= 0 && hostReserve < 1)) throw new InvalidInputException("host.hostReserve", "must be in [0%, 100%), got " + hostReserve, "give e.g. 10%");
        nics = nics == null ? List.of() : List.copyOf(nics);
    }

    /** True when every online CPU may be planned on. */
    public boolean allCpus() { return cpus.isEmpty(); }
}
