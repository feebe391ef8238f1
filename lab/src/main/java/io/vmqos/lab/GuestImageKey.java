package io.vmqos.lab;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The inputs that determine a guest image's bytes (kernel package and version, busybox version, source hashes,
 * compiler, module list, builder format) and the cache directory name derived from them. Two keys with equal
 * inputs have equal {@link #hash()}; changing any input changes it. Immutable.
 */
public record GuestImageKey(SortedMap<String, String> inputs) {
    public GuestImageKey {
        inputs = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(inputs));
    }

    public static GuestImageKey of(Map<String, String> inputs) { return new GuestImageKey(new TreeMap<>(inputs)); }

    /** 20 hex characters of SHA-256 over the sorted "name=value" lines: the cache directory name. */
    public String hash() {
        return sha256(text()).substring(0, 20);
    }

    /** The inputs as sorted "name=value" lines (also written next to the image for humans). */
    public String text() {
        StringBuilder sb = new StringBuilder();
        inputs.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }

    static String sha256(String s) { return sha256(s.getBytes(StandardCharsets.UTF_8)); }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
