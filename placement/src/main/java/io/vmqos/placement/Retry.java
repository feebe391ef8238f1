package io.vmqos.placement;

import java.util.function.Supplier;

/** Runs a read-modify-write against Placement again when a generation moved (409), a bounded number of times. */
final class Retry {
    /** Attempts per update: another writer must win this many races in a row to make it fail. */
    static final int ATTEMPTS = 8;

    private Retry() {}

    /** {@code step} (which re-reads what it writes) until it does not meet a 409, at most {@link #ATTEMPTS} times. */
    static <T> T onConflict(Supplier<T> step) {
        PlacementException last = null;
        for (int i = 0; i < ATTEMPTS; i++) {
            try {
                return step.get();
            } catch (PlacementException e) {
                if (!e.conflict()) throw e;
                last = e;
            }
        }
        throw last;
    }
}
