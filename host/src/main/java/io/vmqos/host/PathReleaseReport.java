package io.vmqos.host;

import java.util.List;

/**
 * What {@link PathTransaction#release} did, in its order: tc shaping removed, IRQs put back on their CPUs, threads put back (VM threads to
 * SCHED_OTHER, path threads to their recorded attributes unless another VM still uses them), NAPI restored (or
 * handed over to a VM still using the device). {@code recorded} false: the state file had nothing for this VM (only
 * its own threads were released). {@code problems}: steps that failed, with the manual fix; the entry is removed
 * from the state file regardless.
 */
public record PathReleaseReport(String vm, boolean recorded, ApplyReport threads, List<String> shapingRemoved,
                                List<String> irqsRestored, List<String> napiRestored, List<String> handedOver, List<String> problems) {
    public PathReleaseReport {
        irqsRestored = List.copyOf(irqsRestored);
        shapingRemoved = List.copyOf(shapingRemoved);
        napiRestored = List.copyOf(napiRestored);
        handedOver = List.copyOf(handedOver);
        problems = List.copyOf(problems);
    }
}
