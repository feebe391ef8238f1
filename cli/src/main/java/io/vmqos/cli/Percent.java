package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;

/** Parses {@code 10%} or {@code 0.1} into a fraction in [0, 1). */
final class Percent {
    private Percent() {}

    static double parse(String field, String text) {
        try {
            String t = text.strip();
            double v = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1)) / 100 : Double.parseDouble(t);
            if (!(v >= 0 && v < 1)) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(field, "'" + text + "' is not a share in [0%, 100%)", "give e.g. 10%");
        }
    }
}
