package io.vmqos.host.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The {@link HostRecord} file ({@code /run/vmqos/state.json}; tmpfs, so a reboot forgets it as it forgets the changes
 * themselves). The file carries the format version and a SHA-256 checksum of the record, and is replaced atomically:
 * written to a temporary file in the same directory, fsync'ed, renamed over the old one, and the directory fsync'ed,
 * so a crash at any point leaves either the old record or the new one.
 *
 * <p>{@link #read} never refuses: a missing file is an empty record; a corrupt file, a checksum mismatch or an unknown
 * version gives an empty record plus the problem, and the caller rebuilds from the kernel (the kernel is the truth)
 * and says what it found. Unlike the kubelet, vmqos always starts.
 *
 * <p>Writers hold the host lock; reads may happen at any time from any thread (a reader sees one whole file).
 */
public final class RecordStore {
    public static final String FORMAT = "vmqos-host-record";
    static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;

    public RecordStore(Path file) { this.file = file.toAbsolutePath(); }

    public Path file() { return file; }

    /**
     * Which version of the file is on disk, without reading it: its inode (each {@link #write} renames a new file into
     * place), modification time and size; {@code "absent"} when there is none. Equal stamps: nobody wrote meanwhile.
     */
    public Object stamp() { return io.vmqos.linux.DirectoryWatch.stamp(file); }

    /** What {@link #read} found: the record, and why it could not be trusted (then the record is empty). */
    public record Loaded(HostRecord record, Optional<String> problem) {}

    /** Reads the record; see the class doc for what happens to a damaged file. */
    public Loaded read() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new Loaded(HostRecord.empty(), Optional.empty());
        } catch (IOException e) {
            return damaged("cannot read it: " + e.getMessage());
        }
        try {
            JsonNode root = CANONICAL.readTree(bytes);
            if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) return damaged("it is not a " + FORMAT + " file");
            int version = root.path("version").asInt(-1);
            if (version != HostRecord.VERSION) return damaged("it has format version " + version + ", this vmqos reads version " + HostRecord.VERSION);
            JsonNode rec = root.path("record");
            String sum = sha256(CANONICAL.writeValueAsBytes(rec));
            if (!sum.equals(root.path("sha256").asText())) return damaged("its checksum does not match (sha256 " + sum + ", file says " + root.path("sha256").asText() + ")");
            HostRecord r = CANONICAL.treeToValue(rec, HostRecord.class);
            return new Loaded(r == null ? HostRecord.empty() : r, Optional.empty());
        } catch (IOException | RuntimeException e) {
            return damaged("it does not parse: " + e.getMessage());
        }
    }

    private Loaded damaged(String why) {
        return new Loaded(HostRecord.empty(), Optional.of("the vmqos state record " + file + " cannot be trusted: " + why));
    }

    /** Writes {@code r} one generation on (atomically, durably) and returns what was written. */
    public HostRecord write(HostRecord r) {
        HostRecord next = r.nextGeneration();
        try {
            JsonNode rec = CANONICAL.valueToTree(next);
            byte[] canonical = CANONICAL.writeValueAsBytes(rec);
            ObjectNode root = CANONICAL.createObjectNode();
            root.put("format", FORMAT);
            root.put("version", HostRecord.VERSION);
            root.put("sha256", sha256(canonical));
            root.set("record", rec);
            writeAtomically(PRETTY.writeValueAsBytes(root));
            return next;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the vmqos state record " + file + ": " + e.getMessage()
                    + " (fix: check that " + file.getParent() + " is writable and not full)", e);
        }
    }

    private void writeAtomically(byte[] content) throws IOException {
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some filesystems refuse to fsync a directory; the rename is still atomic
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The file's text, for people ({@code vmqos show --record}). */
    public String text() {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
