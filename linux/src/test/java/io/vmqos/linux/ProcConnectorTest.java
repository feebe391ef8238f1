package io.vmqos.linux;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

import static org.assertj.core.api.Assertions.assertThat;

/** Decoding of hand-built connector datagrams (offsets per cn_proc.h, native byte order); no kernel, no root. */
class ProcConnectorTest {
    private static final long TS = 123_456_789_012L;

    private final List<ProcEvent> events = new ArrayList<>();
    private final List<int[]> acks = new ArrayList<>();

    @Test
    void decodesEachEventKind() {
        int n = decode(concat(
                message(0x1, 0, ints(10, 10, 42, 41)),                         // FORK: thread 42 of process 41
                message(0x2, 0, ints(41, 41)),                                 // EXEC
                message(0x200, 0, comm(42, 41, "CPU 0/KVM")),                  // COMM
                message(0x80000000, 0, ints(42, 41, 9, 17, 10, 10))));         // EXIT, killed by signal 9
        assertThat(n).isEqualTo(4);
        assertThat(events).containsExactly(
                new ProcEvent.Fork(10, 10, 42, 41, TS),
                new ProcEvent.Exec(41, 41, TS),
                new ProcEvent.Comm(42, 41, "CPU 0/KVM", TS),
                new ProcEvent.Exit(42, 41, 9, TS));
        assertThat(((ProcEvent.Fork) events.get(0)).isThread()).isTrue();
        assertThat(((ProcEvent.Exit) events.get(3)).signal()).isEqualTo(9);
        assertThat(acks).isEmpty();
    }

    @Test
    void exitStatusAndSignalSplitTheWaitStatus() {
        ProcEvent.Exit exited = new ProcEvent.Exit(1, 1, 3 << 8, 0), killed = new ProcEvent.Exit(1, 1, 15, 0);
        assertThat(exited.status()).isEqualTo(3);
        assertThat(exited.signal()).isZero();
        assertThat(killed.status()).isZero();
        assertThat(killed.signal()).isEqualTo(15);
    }

    @Test
    void commOfSixteenBytesWithoutTerminatorIsReadWhole() {
        byte[] data = comm(7, 7, "");
        System.arraycopy("0123456789abcdef".getBytes(StandardCharsets.US_ASCII), 0, data, 8, 16);
        decode(message(0x200, 0, data));
        assertThat(events).containsExactly(new ProcEvent.Comm(7, 7, "0123456789abcdef", TS));
    }

    @Test
    void acknowledgementGoesToTheAckSinkWithItsAckField() {
        decode(message(0x0, 1000, ints(1, 0, 0, 0, 0, 0)));
        assertThat(events).isEmpty();
        assertThat(acks).containsExactly(new int[] {1000, 1});
    }

    @Test
    void skipsKindsNotDecodedAndMalformedMessages() {
        byte[] shortFork = message(0x1, 0, ints(10, 10, 42, 41));
        ByteBuffer.wrap(shortFork).order(ByteOrder.nativeOrder()).putShort(ProcConnector.CN_OFF + 16, (short) 24);
        int n = decode(concat(
                message(0x4, 0, ints(5, 5, 0, 0)),          // UID change
                message(0x40000000, 0, ints(5, 5, 1, 1)),   // COREDUMP
                shortFork,                                  // cn_msg.len too short for a fork
                message(0x2, 0, ints(6, 6))));
        assertThat(n).isEqualTo(4);
        assertThat(events).containsExactly(new ProcEvent.Exec(6, 6, TS));
    }

    @Test
    void stopsAtATruncatedMessage() {
        byte[] whole = message(0x2, 0, ints(6, 6));
        byte[] datagram = concat(whole, message(0x2, 0, ints(7, 7)));
        assertThat(decode(datagram, datagram.length - 10, tgid -> true)).isEqualTo(1);
        assertThat(events).containsExactly(new ProcEvent.Exec(6, 6, TS));
    }

    @Test
    void interestFiltersByProcessAndForkPassesOnEitherSide() {
        decode(concat(
                message(0x1, 0, ints(1, 1, 50, 50)),        // init forks process 50: parent side not wanted
                message(0x1, 0, ints(1, 1, 51, 40)),        // thread of process 40: wanted
                message(0x1, 0, ints(40, 40, 52, 52)),      // process 40 forks 52: wanted through the parent
                message(0x2, 0, ints(52, 52)),              // 52 is not wanted itself
                message(0x80000000, 0, ints(51, 40, 0, -1, 1, 1))), tgid -> tgid == 40);
        assertThat(events).containsExactly(new ProcEvent.Fork(1, 1, 51, 40, TS), new ProcEvent.Fork(40, 40, 52, 52, TS),
                new ProcEvent.Exit(51, 40, 0, TS));
    }

    @Test
    void listenRequestMatchesTheKernelsLayout() {
        MemorySegment buf = MemorySegment.ofArray(new byte[64]);
        ProcConnector.encodeListen(buf, 0x01020304);
        ByteBuffer b = buf.asByteBuffer().order(ByteOrder.nativeOrder());
        assertThat(ProcConnector.LISTEN_LEN).isEqualTo(40);
        assertThat(b.getInt(0)).as("nlmsg_len").isEqualTo(40);
        assertThat(b.getShort(4)).as("nlmsg_type NLMSG_DONE").isEqualTo((short) 3);
        assertThat(b.getInt(16)).as("cb_id.idx CN_IDX_PROC").isEqualTo(1);
        assertThat(b.getInt(20)).as("cb_id.val CN_VAL_PROC").isEqualTo(1);
        assertThat(b.getInt(28)).as("cn_msg.ack: the nonce").isEqualTo(0x01020304);
        assertThat(b.getShort(32)).as("cn_msg.len").isEqualTo((short) 4);
        assertThat(b.getInt(36)).as("PROC_CN_MCAST_LISTEN").isEqualTo(1);
    }

    private int decode(byte[] datagram) { return decode(datagram, tgid -> true); }

    private int decode(byte[] datagram, IntPredicate interest) { return decode(datagram, datagram.length, interest); }

    private int decode(byte[] datagram, int len, IntPredicate interest) {
        MemorySegment seg = MemorySegment.ofArray(datagram);
        return new ProcConnector.Decoder().decode(seg, len, interest, events::add, (ack, err) -> acks.add(new int[] {ack, err}));
    }

    /** nlmsghdr + cn_msg + proc_event {what, cpu, timestamp_ns, event_data} as the kernel sends it (40-byte event). */
    static byte[] message(int what, int cnAck, byte[] eventData) {
        int eventLen = 16 + 24;
        ByteBuffer b = ByteBuffer.allocate(16 + 20 + eventLen).order(ByteOrder.nativeOrder());
        b.putInt(b.capacity()).putShort((short) 3).putShort((short) 0).putInt(0).putInt(0); // nlmsghdr
        b.putInt(1).putInt(1).putInt(77).putInt(cnAck).putShort((short) eventLen).putShort((short) 0); // cn_msg
        b.putInt(what).putInt(1).putLong(TS).put(eventData);
        return b.array();
    }

    /** event_data of 24 bytes starting with these u32s. */
    static byte[] ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
        for (int v : values) b.putInt(v);
        return b.array();
    }

    static byte[] comm(int pid, int tgid, String name) {
        byte[] data = ints(pid, tgid);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, data, 8, n.length);
        return data;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
