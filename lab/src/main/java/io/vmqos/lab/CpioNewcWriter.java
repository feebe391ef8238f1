package io.vmqos.lab;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a cpio archive in the "newc" format the Linux initramfs loader reads. Every entry gets uid/gid 0 and
 * mtime 0, so equal inputs give byte-identical archives, and device nodes need no root (no mknod on the host).
 * Not thread-safe; call {@link #finish()} once at the end (it does not close the stream).
 */
public final class CpioNewcWriter {
    private static final int S_IFDIR = 0040000, S_IFREG = 0100000, S_IFLNK = 0120000, S_IFCHR = 0020000;

    private final OutputStream out;
    private long written;
    private int nextInode = 1;

    public CpioNewcWriter(OutputStream out) { this.out = out; }

    public void directory(String name, int perm) throws IOException {
        entry(name, S_IFDIR | perm, 2, 0, 0, new byte[0]);
    }

    public void file(String name, int perm, byte[] data) throws IOException {
        entry(name, S_IFREG | perm, 1, 0, 0, data);
    }

    public void symlink(String name, String target) throws IOException {
        entry(name, S_IFLNK | 0777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
    }

    public void charDevice(String name, int perm, int major, int minor) throws IOException {
        entry(name, S_IFCHR | perm, 1, major, minor, new byte[0]);
    }

    /** Writes the trailer entry; the archive is complete afterwards. */
    public void finish() throws IOException {
        nextInode = 0;
        entry("TRAILER!!!", 0, 1, 0, 0, new byte[0]);
        out.flush();
    }

    private void entry(String name, int mode, int nlink, int rdevMajor, int rdevMinor, byte[] data) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(110).append("070701");
        int ino = nextInode == 0 ? 0 : nextInode++;
        for (long field : new long[] {ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdevMajor, rdevMinor,
                nameBytes.length + 1L, 0}) {
            String hex = Long.toHexString(field);
            h.append("0".repeat(8 - hex.length())).append(hex);
        }
        write(h.toString().getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        write(new byte[] {0});
        pad();
        write(data);
        pad();
    }

    private void write(byte[] b) throws IOException {
        out.write(b);
        written += b.length;
    }

    private void pad() throws IOException {
        int n = (int) ((4 - (written & 3)) & 3);
        if (n > 0) write(new byte[n]);
    }
}
