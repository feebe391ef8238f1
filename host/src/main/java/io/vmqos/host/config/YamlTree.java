package io.vmqos.host.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document read into a small tree whose every node and key keeps its place in the file (line, column),
 * so that errors found later name it. Jackson's YAML parser supplies the tokens and locations; this walks them.
 * Duplicate keys are refused (YAML forbids them; Jackson would silently keep the last). Pure value once read.
 */
final class YamlTree {
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private YamlTree() {}

    /** A place in the file: 1-based line and column. */
    record Loc(int line, int column) {
        static Loc of(JsonLocation l) { return l == null ? new Loc(0, 0) : new Loc(Math.max(0, l.getLineNr()), Math.max(0, l.getColumnNr())); }
    }

    /** A node of the tree. */
    sealed interface Node permits MapNode, ListNode, Scalar {
        Loc loc();

        /** For messages: "a map", "a list", "the number 5", ... */
        String describe();
    }

    /** One key of a map with its own place. */
    record Entry(String key, Loc keyLoc, Node value) {}

    /** A YAML mapping, keys in file order. */
    record MapNode(Loc loc, Map<String, Entry> entries) implements Node {
        @Override public String describe() { return "a map"; }
    }

    /** A YAML sequence. */
    record ListNode(Loc loc, List<Node> items) implements Node {
        @Override public String describe() { return "a list"; }
    }

    /**
     * A scalar: its source text and what YAML made of it ({@link JsonToken#VALUE_STRING}, {@code VALUE_NUMBER_INT},
     * {@code VALUE_NUMBER_FLOAT}, {@code VALUE_TRUE}/{@code VALUE_FALSE}, {@code VALUE_NULL} for an empty value).
     */
    record Scalar(Loc loc, String text, JsonToken token) implements Node {
        boolean isNull() { return token == JsonToken.VALUE_NULL; }

        @Override public String describe() {
            return switch (token) {
                case VALUE_NULL -> "empty";
                case VALUE_TRUE, VALUE_FALSE -> "the boolean " + text;
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + text;
                default -> "the text '" + text + "'";
            };
        }
    }

    /**
     * Reads {@code file}. An empty file gives an empty map located at 1:1.
     *
     * @param shown the file name as errors should show it
     * @throws ConfigException for a missing or unreadable file, YAML syntax errors and duplicate keys
     */
    static Node read(Path file, String shown) {
        if (!Files.exists(file)) {
            throw new ConfigException(shown, 0, 0, "", "the file does not exist", "check the path (relative paths are taken from the current directory)");
        }
        if (Files.isDirectory(file)) {
            throw new ConfigException(shown, 0, 0, "", "is a directory, not a file", "name the YAML file itself");
        }
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8); JsonParser p = FACTORY.createParser(r)) {
            JsonToken t = p.nextToken();
            if (t == null) return new MapNode(new Loc(1, 1), new LinkedHashMap<>());
            return node(p, t, shown, "");
        } catch (JsonProcessingException e) {
            Loc at = Loc.of(e.getLocation());
            String msg = e.getOriginalMessage() == null ? e.toString() : e.getOriginalMessage();
            // SnakeYAML's message: context and problem lines, each followed by a quoted excerpt and a caret line
            msg = String.join(", ", msg.lines()
                    .filter(s -> !s.isBlank() && !Character.isWhitespace(s.charAt(0)) && !s.startsWith("at ["))
                    .map(String::strip)
                    .map(s -> s.endsWith(":") ? s.substring(0, s.length() - 1) : s).toList());
            throw new ConfigException(shown, at.line(), at.column(), "", "YAML syntax error: " + msg,
                    "correct the YAML here (indentation with spaces, 'key: value' with a space after ':', quotes closed)");
        } catch (NoSuchFileException e) {
            throw new ConfigException(shown, 0, 0, "", "the file does not exist", "check the path");
        } catch (AccessDeniedException e) {
            throw new ConfigException(shown, 0, 0, "", "cannot be read: permission denied", "run as a user who can read it (root)");
        } catch (MalformedInputException e) {
            throw new ConfigException(shown, 0, 0, "", "is not UTF-8 text", "save the file as UTF-8");
        } catch (IOException e) {
            throw new ConfigException(shown, 0, 0, "", "cannot be read: " + e.getMessage(), "check the file");
        }
    }

    private static Node node(JsonParser p, JsonToken t, String shown, String path) throws IOException {
        Loc loc = Loc.of(p.currentTokenLocation());
        switch (t) {
            case START_OBJECT -> {
                Map<String, Entry> entries = new LinkedHashMap<>();
                JsonToken k;
                while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    Loc keyLoc = Loc.of(p.currentTokenLocation());
                    String kp = path.isEmpty() ? key : path + "." + key;
                    Node value = node(p, p.nextToken(), shown, kp);
                    Entry prev = entries.get(key);
                    if (prev != null) {
                        throw new ConfigException(shown, keyLoc.line(), keyLoc.column(), kp, "the key '" + key + "' appears twice (first at line "
                                + prev.keyLoc().line() + ")", "keep one of them");
                    }
                    entries.put(key, new Entry(key, keyLoc, value));
                }
                return new MapNode(loc, entries);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                JsonToken i;
                while ((i = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (i == null) break;
                    items.add(node(p, i, shown, path + "[" + items.size() + "]"));
                }
                return new ListNode(loc, items);
            }
            case VALUE_NULL -> { return new Scalar(loc, "", t); }
            default -> { return new Scalar(loc, p.getText(), t); }
        }
    }

    /** Plain Java values (LinkedHashMap, List, String, Long, Double, Boolean, null) for free-form sections. */
    static Object plain(Node n) {
        return switch (n) {
            case MapNode m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                for (Entry e : m.entries().values()) out.put(e.key(), plain(e.value()));
                yield out;
            }
            case ListNode l -> l.items().stream().map(YamlTree::plain).toList();
            case Scalar s -> switch (s.token()) {
                case VALUE_NULL -> null;
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NUMBER_INT -> parseLongOr(s.text());
                case VALUE_NUMBER_FLOAT -> parseDoubleOr(s.text());
                default -> s.text();
            };
        };
    }

    private static Object parseLongOr(String t) {
        try { return Long.parseLong(t.replace("_", "")); } catch (NumberFormatException e) { return t; }
    }

    private static Object parseDoubleOr(String t) {
        try { return Double.parseDouble(t); } catch (NumberFormatException e) { return t; }
    }
}
