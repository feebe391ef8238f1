package io.vmqos.host;

/**
 * The kernel's deadline counters as {@link LedgerAccess#mark} read them before a transaction changes threads, for
 * {@link LedgerAccess#verify} to compare with after. Opaque: each {@link LedgerAccess} keeps what it needs. Immutable.
 */
public interface LedgerMark {
    /** No counters read: {@link LedgerAccess#verify} then checks the whole ledger. */
    LedgerMark NONE = new LedgerMark() {
        @Override public String toString() { return "LedgerMark.NONE"; }
    };
}
