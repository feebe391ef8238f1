package io.vmqos.linux.net;

import io.vmqos.core.InvalidInputException;
import io.vmqos.core.net.ShapingSpec;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Link rates and sizes in tc's human units. Pure and thread-safe.
 *
 * <p>Rates are kept in <b>bits per second</b>. Units follow tc(8): {@code bit, kbit, mbit, gbit, tbit} are SI
 * (×1000), {@code kibit, mibit, gibit, tibit} are ×1024, {@code bps, kbps, mbps, gbps, tbps} are <em>bytes</em> per
 * second (×8), case-insensitive, so tc's own output ({@code 100Mbit}) parses too. A bare number is refused: tc
 * reads it as bytes/s, which nobody means.
 *
 * <p>Sizes are kept in <b>bytes</b>: {@code b}, {@code k}/{@code kb} (×1024), {@code m}/{@code mb}, {@code g}/{@code gb},
 * and {@code kbit}/{@code mbit}/{@code gbit} (bits, ÷8), as tc reads burst sizes. A bare number is bytes.
 *
 * <p>Note on tc's JSON: {@code tc -j} prints rates as a plain number in <b>bytes per second</b> (the kernel's
 * {@code tc_ratespec.rate}/{@code rate64}); text output prints bits with SI prefixes, rounded down once the value
 * is not a whole number of the unit and at least 1000 of it (so text readback loses up to 0.1%).
 */
public final class NetUnits {
    private static final Pattern FORM = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)\\s*");

    private NetUnits() {}

    /** Parses a rate such as {@code 100mbit}, {@code 1gbit}, {@code 500kbit}, {@code 10mbps} into bits per second. */
    public static long parseRateBits(String field, String text) {
        Matcher m = match(field, text, "a rate such as 100mbit, 1gbit or 500kbit");
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        long scale = switch (unit) {
            case "bit" -> 1L;
            case "kbit" -> 1_000L;
            case "mbit" -> 1_000_000L;
            case "gbit" -> 1_000_000_000L;
            case "tbit" -> 1_000_000_000_000L;
            case "kibit" -> 1L << 10;
            case "mibit" -> 1L << 20;
            case "gibit" -> 1L << 30;
            case "tibit" -> 1L << 40;
            case "bps" -> 8L;
            case "kbps" -> 8_000L;
            case "mbps" -> 8_000_000L;
            case "gbps" -> 8_000_000_000L;
            case "tbps" -> 8_000_000_000_000L;
            case "" -> throw new InvalidInputException(field, "'" + text + "' has no unit",
                    "write a unit: bit, kbit, mbit, gbit (or bps for bytes/s), e.g. 100mbit");
            default -> throw new InvalidInputException(field, "unknown rate unit '" + m.group(2) + "' in '" + text + "'",
                    "use bit, kbit, mbit, gbit, tbit, kibit..tibit or bps, kbps, mbps, gbps");
        };
        long bits = whole(field, text, new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(scale)));
        if (bits <= 0) throw new InvalidInputException(field, "'" + text + "' is zero", "give a positive rate");
        return bits;
    }

    /** Parses a size such as {@code 15k}, {@code 1500b}, {@code 1m} or {@code 1500} into bytes. */
    public static long parseSizeBytes(String field, String text) {
        Matcher m = match(field, text, "a size such as 15k or 1500b");
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        BigDecimal v = new BigDecimal(m.group(1));
        BigDecimal bytes = switch (unit) {
            case "", "b" -> v;
            case "k", "kb" -> v.multiply(BigDecimal.valueOf(1L << 10));
            case "m", "mb" -> v.multiply(BigDecimal.valueOf(1L << 20));
            case "g", "gb" -> v.multiply(BigDecimal.valueOf(1L << 30));
            case "kbit" -> v.multiply(BigDecimal.valueOf(1_000L)).divide(BigDecimal.valueOf(8));
            case "mbit" -> v.multiply(BigDecimal.valueOf(1_000_000L)).divide(BigDecimal.valueOf(8));
            case "gbit" -> v.multiply(BigDecimal.valueOf(1_000_000_000L)).divide(BigDecimal.valueOf(8));
            default -> throw new InvalidInputException(field, "unknown size unit '" + m.group(2) + "' in '" + text + "'",
                    "use b, k, m, g (bytes, 1024-based) or kbit, mbit, gbit");
        };
        return whole(field, text, bytes);
    }

    /** Bits per second in the largest SI unit that keeps it exact: 100000000 → {@code 100mbit} ({@link ShapingSpec#formatRate}). */
    public static String formatRate(long bitsPerSecond) { return ShapingSpec.formatRate(bitsPerSecond); }

    /** A link share from human units, without a leaf qdisc, e.g. {@code shaping("100mbit", "1gbit", "15k")}. */
    public static ShapingSpec shaping(String rate, String ceil, String burst) {
        return new ShapingSpec(parseRateBits("rate", rate), parseRateBits("ceil", ceil), parseSizeBytes("burst", burst), Optional.empty());
    }

    /** The kernel's (and tc JSON's) bytes per second for a rate in bits per second, rounded down. */
    public static long bytesPerSecond(long bitsPerSecond) { return bitsPerSecond / 8; }

    private static Matcher match(String field, String text, String example) {
        if (text == null || text.isBlank()) throw new InvalidInputException(field, "is missing", "give " + example);
        Matcher m = FORM.matcher(text);
        if (!m.matches()) throw new InvalidInputException(field, "'" + text + "' is not " + example.replaceFirst("^a ", "a "), "give " + example);
        return m;
    }

    private static long whole(String field, String text, BigDecimal v) {
        try {
            return v.setScale(0, java.math.RoundingMode.UNNECESSARY).longValueExact();
        } catch (ArithmeticException e) {
            throw new InvalidInputException(field, "'" + text + "' is not a whole number of units or is too large",
                    "use a smaller unit, e.g. 1500kbit instead of 1.5005mbit");
        }
    }
}
