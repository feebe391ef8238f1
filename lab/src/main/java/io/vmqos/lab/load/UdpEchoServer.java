package io.vmqos.lab.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP echo server on 127.0.0.1 for tests: every datagram goes back to its sender unchanged. Bound to the
 * loopback address only, never to a routable one. One daemon thread serves; {@link #close()} stops it and is
 * idempotent. Allocation-free per datagram.
 */
public final class UdpEchoServer implements AutoCloseable {
    private final DatagramChannel channel;
    private final Thread thread;
    private final AtomicLong echoed = new AtomicLong();
    private volatile boolean closed;

    private UdpEchoServer(DatagramChannel channel) {
        this.channel = channel;
        this.thread = Thread.ofPlatform().daemon().name("vqload-echo").start(this::serve);
    }

    /** Starts on 127.0.0.1 and an ephemeral port. */
    public static UdpEchoServer start() { return start(0); }

    /** Starts on 127.0.0.1:{@code port} (0 = ephemeral). */
    public static UdpEchoServer start(int port) {
        try {
            DatagramChannel channel = DatagramChannel.open();
            channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return new UdpEchoServer(channel);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind UDP echo server to 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
    }

    /** Where clients send to. */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Datagrams echoed so far. */
    public long echoed() { return echoed.get(); }

    private void serve() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(RequestPayload.MAX_UDP_PAYLOAD + 1);
        while (!closed) {
            try {
                buffer.clear();
                SocketAddress from = channel.receive(buffer);
                buffer.flip();
                channel.send(buffer, from);
                echoed.incrementAndGet();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // e.g. the client's port is gone (ICMP): keep serving other clients
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
            thread.join(5_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
