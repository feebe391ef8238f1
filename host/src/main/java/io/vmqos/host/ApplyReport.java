package io.vmqos.host;

import java.util.List;

/** The result of a successful {@link Reserver#apply}: one outcome per requested thread, and any ledger repair done. */
public record ApplyReport(List<ThreadOutcome> outcomes, LedgerRepair repair) {
    /** Number of threads whose attributes changed (0 when the same plan was applied twice). */
    public long changed() { return outcomes.stream().filter(ThreadOutcome::changed).count(); }
}
