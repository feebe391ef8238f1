package io.vmqos.lab.load;

import java.nio.ByteBuffer;

/**
 * Layout of a load request datagram; the echo server sends it back unchanged.
 *
 * <pre>
 * offset 0: long sequence number (0, 1, 2, ... per run)
 * offset 8: long sender's System.nanoTime() at send
 * offset 16..size: zero padding
 * </pre>
 *
 * Byte order is the buffer's (big endian); both ends are this process, so it only has to be consistent.
 * Pure helpers over absolute buffer indices: they never move position or limit and never allocate.
 */
public final class RequestPayload {
    /** Bytes needed for the header; the smallest allowed {@code --size}. */
    public static final int HEADER_BYTES = 16;
    /** Largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP header). */
    public static final int MAX_UDP_PAYLOAD = 65_507;

    private RequestPayload() {}

    public static void write(ByteBuffer buffer, long sequence, long sendNanos) {
        buffer.putLong(0, sequence);
        buffer.putLong(8, sendNanos);
    }

    public static long sequence(ByteBuffer buffer) { return buffer.getLong(0); }

    public static long sendNanos(ByteBuffer buffer) { return buffer.getLong(8); }
}
