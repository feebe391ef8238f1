package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.net.ShapingSpec;
import io.vmqos.linux.net.NetUnits;

/** The shaping options' value ({@code --shape}, {@code --shape-ingress}). */
final class PathOptions {
    private PathOptions() {}

    /** Parses {@code RATE[,CEIL[,BURST]]}, e.g. {@code 100mbit,200mbit,15k}; CEIL defaults to RATE, BURST to 15k. */
    static ShapingSpec parseShape(String field, String text) {
        if (text == null) return null;
        String[] p = text.split(",");
        if (p.length < 1 || p.length > 3 || p[0].isBlank()) {
            throw new InvalidInputException(field, "'" + text + "' is not RATE[,CEIL[,BURST]]", "give e.g. 100mbit,200mbit,15k");
        }
        String rate = p[0].strip();
        String ceil = p.length > 1 ? p[1].strip() : rate;
        String burst = p.length > 2 ? p[2].strip() : "15k";
        try {
            return NetUnits.shaping(rate, ceil, burst);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(field + " " + e.field(), e.problem(), e.fix());
        }
    }
}
