package io.vmqos.cli;

import io.vmqos.core.InvalidInputException;

/** Numeric option values, refused with the option's name and an example when they do not parse. */
public final class CliNumbers {
    private CliNumbers() {}

    /** A whole number; {@code example} shows a valid value in the fix. */
    public static long whole(String field, String text, String example) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(field, "'" + text + "' is not a whole number", "give e.g. " + field + " " + example);
        }
    }

    /** A decimal number; {@code example} shows a valid value in the fix. */
    public static double real(String field, String text, String example) {
        try {
            return Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(field, "'" + text + "' is not a number", "give e.g. " + field + " " + example);
        }
    }
}
