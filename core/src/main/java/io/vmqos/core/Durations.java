package io.vmqos.core;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Human time units for vmqos: parses {@code 500us}, {@code 2ms}, {@code 1.5ms}, {@code 1s}, {@code 100ns}
 * into nanoseconds and formats nanoseconds back the same way.
 *
 * <p>Pure and thread-safe. A value must carry a unit: a bare number is ambiguous for an operator
 * (is {@code 10} ms or µs?) and is refused.
 */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("\\s*([+-]?\\d+(?:\\.\\d+)?)\\s*([a-zA-Zµ]+)\\s*");

    private Durations() {}

    /**
     * Parses a duration with a unit (ns, us/µs, ms, s) into whole nanoseconds.
     *
     * @param field the name of the field being parsed, used in error messages (e.g. {@code --runtime})
     * @throws InvalidInputException naming {@code field} and the fix when the text is empty, has no or an
     *     unknown unit, is negative, or is not a whole number of nanoseconds
     */
    public static long parseNanos(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(field, "is missing", "give a duration with a unit, e.g. 2ms or 500us");
        }
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new InvalidInputException(field, "'" + text + "' is not a duration",
                    "write a number followed by a unit: ns, us, ms or s (e.g. 1.5ms)");
        }
        BigDecimal value = new BigDecimal(m.group(1));
        long scale = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ns" -> 1L;
            case "us", "µs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            default -> throw new InvalidInputException(field, "unknown unit '" + m.group(2) + "' in '" + text + "'",
                    "use one of ns, us, ms, s");
        };
        if (value.signum() < 0) {
            throw new InvalidInputException(field, "'" + text + "' is negative", "give a positive duration");
        }
        BigDecimal nanos = value.multiply(BigDecimal.valueOf(scale));
        try {
            return nanos.stripTrailingZeros().longValueExact();
        } catch (ArithmeticException e) {
            throw new InvalidInputException(field, "'" + text + "' is not a whole number of nanoseconds or is too large",
                    "use at most nanosecond precision");
        }
    }

    /** Formats nanoseconds in the largest unit that keeps at most three decimals: 1500000 → {@code 1.5ms}. */
    public static String format(long nanos) {
        if (nanos == 0) return "0";
        long abs = Math.abs(nanos);
        if (abs >= 1_000_000_000L && abs % 1_000_000L == 0) return trim(nanos, 1_000_000_000L) + "s";
        if (abs >= 1_000_000L && abs % 1_000L == 0) return trim(nanos, 1_000_000L) + "ms";
        if (abs >= 1_000L) return trim(nanos, 1_000L) + "us";
        return nanos + "ns";
    }

    private static String trim(long nanos, long unit) {
        return BigDecimal.valueOf(nanos).divide(BigDecimal.valueOf(unit)).stripTrailingZeros().toPlainString();
    }
}
