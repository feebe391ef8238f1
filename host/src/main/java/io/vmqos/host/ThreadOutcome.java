package io.vmqos.host;

import io.vmqos.core.SchedAttributes;

/** What an apply did to one thread: its attributes before and after, and whether anything changed. */
public record ThreadOutcome(int tid, String label, SchedAttributes before, SchedAttributes after, boolean changed) {}
