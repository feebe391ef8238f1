package io.vmqos.host.config;

import com.fasterxml.jackson.core.JsonToken;
import io.vmqos.core.InvalidInputException;
import io.vmqos.host.config.YamlTree.Entry;
import io.vmqos.host.config.YamlTree.ListNode;
import io.vmqos.host.config.YamlTree.MapNode;
import io.vmqos.host.config.YamlTree.Node;
import io.vmqos.host.config.YamlTree.Scalar;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Typed, strict reads of a {@link YamlTree} for one file: every failure is a {@link ConfigException} naming
 * {@code file:line:column key.path}, the problem and the fix. Used by one parse on one thread.
 */
final class Located {
    private final String file;

    Located(String file) { this.file = file; }

    String file() { return file; }

    ConfigException error(Node at, String path, String problem, String fix) {
        return new ConfigException(file, at.loc().line(), at.loc().column(), path, problem, fix);
    }

    ConfigException error(YamlTree.Loc at, String path, String problem, String fix) {
        return new ConfigException(file, at.line(), at.column(), path, problem, fix);
    }

    /** Runs {@code read}, giving any {@link InvalidInputException} it throws the place of {@code at}. */
    <T> T at(Node at, String path, Supplier<T> read) {
        try {
            return read.get();
        } catch (ConfigException e) {
            throw e;
        } catch (InvalidInputException e) {
            String field = e.field().startsWith(path) ? e.field() : path + (e.field().isEmpty() ? "" : " (" + e.field() + ")");
            throw new ConfigException(file, at.loc().line(), at.loc().column(), field, e.problem(), e.fix());
        }
    }

    /** {@code node} as a map whose keys are all in {@code known}; an unknown key names the nearest known one. */
    MapNode map(Node node, String path, List<String> known) {
        if (!(node instanceof MapNode m)) {
            throw error(node, path, "is " + node.describe() + ", expected a map of " + String.join(", ", known),
                    "write it as 'key: value' lines indented under " + (path.isEmpty() ? "the top" : last(path)));
        }
        for (Entry e : m.entries().values()) {
            if (!known.contains(e.key())) {
                String near = nearest(e.key(), known);
                String where = path.isEmpty() ? "at the top level" : "under " + path;
                throw error(e.keyLoc(), join(path, e.key()), "unknown key '" + e.key() + "' " + where
                                + (near == null ? "" : " (did you mean '" + near + "'?)"),
                        near != null ? "rename it to '" + near + "'" : "remove it; the keys allowed here are " + String.join(", ", known));
            }
        }
        return m;
    }

    /** The value of an optional key. */
    Optional<Entry> opt(MapNode m, String key) { return Optional.ofNullable(m.entries().get(key)); }

    /** The value of a required key. */
    Entry req(MapNode m, String path, String key, String example) {
        Entry e = m.entries().get(key);
        if (e == null) throw error(m, path, "missing key '" + key + "'", "add '" + key + ": " + example + "'" + (path.isEmpty() ? "" : " under " + path));
        return e;
    }

    ListNode list(Node node, String path, String example) {
        if (node instanceof ListNode l) return l;
        throw error(node, path, "is " + node.describe() + ", expected a list", "write a list, e.g. " + example);
    }

    /** A scalar's text (numbers and booleans as written); refuses maps, lists and empty values. */
    String text(Node node, String path, String example) {
        if (node instanceof Scalar s && !s.isNull()) return s.text();
        if (node instanceof Scalar) throw error(node, path, "has no value", "give a value, e.g. " + last(path) + ": " + example);
        throw error(node, path, "is " + node.describe() + ", expected a single value", "write e.g. " + last(path) + ": " + example);
    }

    /** A whole number, written as a YAML integer or digits in quotes. */
    long integer(Node node, String path, String example) {
        String t = text(node, path, example).strip();
        try {
            return Long.parseLong(t.replace("_", ""));
        } catch (NumberFormatException e) {
            throw error(node, path, "'" + t + "' is not a whole number", "write a plain number without unit, e.g. " + last(path) + ": " + example);
        }
    }

    /** A finite decimal number. */
    double number(Node node, String path, String example) {
        String t = text(node, path, example).strip();
        try {
            double v = new BigDecimal(t).doubleValue();
            if (Double.isFinite(v)) return v;
        } catch (NumberFormatException e) {
            // below
        }
        throw error(node, path, "'" + t + "' is not a number", "write a decimal number, e.g. " + last(path) + ": " + example);
    }

    boolean bool(Node node, String path) {
        if (node instanceof Scalar s && (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)) {
            return s.token() == JsonToken.VALUE_TRUE;
        }
        throw error(node, path, "is " + node.describe() + ", expected true or false", "write " + last(path) + ": true or " + last(path) + ": false");
    }

    static String join(String path, String key) { return path.isEmpty() ? key : path + "." + key; }

    static String last(String path) {
        int dot = path.lastIndexOf('.');
        String l = dot < 0 ? path : path.substring(dot + 1);
        int br = l.indexOf('[');
        return br < 0 ? l : l.substring(0, br);
    }

    /** The known key closest to {@code key} (edit distance, case-insensitive), or null when none is close. */
    static String nearest(String key, List<String> known) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        String k = key.toLowerCase(Locale.ROOT);
        for (String c : known) {
            int d = distance(k, c.toLowerCase(Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        int allowed = Math.max(2, key.length() / 3);
        return bestD <= allowed ? best : null;
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }
}
