package io.vmqos.linux;

import io.vmqos.core.CpuBandwidth;

import java.util.List;
import java.util.StringJoiner;

/**
 * The whole host's DEADLINE bandwidth ledger at one (approximate) instant: one entry per root domain, sorted
 * by lowest CPU. Immutable value.
 *
 * @param domains the root domains
 * @param warnings what could not be measured exactly or did not add up (kernel lockdown hid the servers'
 *     parameters, CPUs of one predicted root domain print different totals, ...); empty when all is exact
 */
public record LedgerSnapshot(List<RootDomainLedger> domains, List<String> warnings) {

    /** Default tolerance per DEADLINE entity, see {@link RootDomainLedger#TOLERANCE_PER_ENTITY}. */
    public static final CpuBandwidth DEFAULT_TOLERANCE_PER_ENTITY = RootDomainLedger.TOLERANCE_PER_ENTITY;

    public LedgerSnapshot {
        domains = List.copyOf(domains);
        warnings = List.copyOf(warnings);
    }

    /** Without warnings. */
    public LedgerSnapshot(List<RootDomainLedger> domains) { this(domains, List.of()); }

    /**
     * The root domain that holds {@code cpu}.
     *
     * @throws IllegalArgumentException when no domain has it (offline or unknown CPU)
     */
    public RootDomainLedger domainOf(int cpu) {
        for (RootDomainLedger d : domains) if (d.cpus().contains(cpu)) return d;
        StringJoiner known = new StringJoiner(" | ");
        for (RootDomainLedger d : domains) known.add(d.cpuList());
        throw new IllegalArgumentException("CPU " + cpu + " is in no root domain (online root domains: " + known + ")");
    }

    /** True when any domain counts more than its default tolerance that nobody holds. */
    public boolean leaked() {
        for (RootDomainLedger d : domains) if (d.leaked(d.defaultTolerance())) return true;
        return false;
    }

    /** True when any domain's counter is below what its live threads and servers hold (see {@link RootDomainLedger#underCounted}). */
    public boolean underCounted() {
        for (RootDomainLedger d : domains) if (d.underCounted(d.defaultTolerance())) return true;
        return false;
    }

    /** The sum of leaked bandwidth over leaked domains; zero when none leaked. */
    public CpuBandwidth leakedBandwidth() {
        CpuBandwidth sum = CpuBandwidth.ZERO;
        for (RootDomainLedger d : domains) if (d.leaked(d.defaultTolerance())) sum = sum.plus(d.unaccounted());
        return sum;
    }

    /** True when every domain's count is explained within tolerance (no leak, no racing read). */
    public boolean consistent() {
        for (RootDomainLedger d : domains) if (!d.consistent()) return false;
        return true;
    }

    /** All DEADLINE threads of all domains. */
    public List<DeadlineThread> threads() {
        return domains.stream().flatMap(d -> d.threads().stream()).toList();
    }

    /** One line per domain, then the warnings. */
    public String describe() {
        StringJoiner j = new StringJoiner("\n");
        for (RootDomainLedger d : domains) j.add(d.describe());
        for (String w : warnings) j.add("warning: " + w);
        return j.toString();
    }
}
