package dev.miltermanager.protocol;

import dev.miltermanager.testsupport.SeededProperty;
import static dev.miltermanager.protocol.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Framing: packets out of a blocking stream, however it splits them, with a limit that costs no memory. */
class PacketReaderTest {

    private static PacketReader reader(String commentedHex, int limit) {
        return new PacketReader(new ByteArrayInputStream(hex(commentedHex)), limit);
    }

    @Test
    void readsConsecutivePacketsThenNullAtACleanEnd() throws IOException {
        PacketReader in = reader("""
                00:00:00:04:48:61:62:00   # 'H' "ab"
                00:00:00:01:4e            # 'N'
                """, PacketLimits.DEFAULT_MTA_DATA_BYTES);
        assertEquals(Packet.of('H', new byte[] {'a', 'b', 0}), in.read());
        assertEquals(Packet.of('N'), in.read());
        assertNull(in.read());
        assertNull(in.read(), "the end stays the end");
    }

    @Test
    void emptyStreamIsACleanEnd() throws IOException {
        assertNull(reader("", 10).read());
    }

    @Test
    void endInsideTheLengthPrefixIsAnEofException() {
        EOFException e = assertThrows(EOFException.class, () -> reader("00:00 # half a length", 10).read());
        assertEquals("stream ended inside a packet's length prefix", e.getMessage());
    }

    @Test
    void endBetweenLengthAndCodeIsAnEofException() {
        EOFException e = assertThrows(EOFException.class, () -> reader("00:00:00:05 # length 5, no code", 10).read());
        assertEquals("stream ended inside a packet's code byte", e.getMessage());
    }

    @Test
    void endInsideTheDataIsAnEofExceptionThatCountsWhatArrived() {
        EOFException e = assertThrows(EOFException.class, () -> reader("""
                00:00:00:0b   # length 11: 10 bytes of data
                42            # 'B'
                61:62:63      # only 3 arrive
                """, 100).read());
        assertEquals("stream ended after 3 of 10 data bytes of packet 'B' (0x42)", e.getMessage());
    }

    @Test
    void endAfterAWholePacketAndPartOfTheNextIsAnEofException() throws IOException {
        PacketReader in = reader("""
                00:00:00:01:63   # 'c'
                00:00:00         # three bytes of the next length
                """, 10);
        assertEquals(Packet.of('c'), in.read());
        assertThrows(EOFException.class, in::read);
    }

    @Test
    void lengthZeroHasNoRoomForACode() {
        MalformedPacketException e = assertThrows(MalformedPacketException.class,
                () -> reader("00:00:00:00 # length 0", 10).read());
        assertEquals("packet length 0: a packet holds at least its code byte", e.getMessage());
    }

    @Test
    void lengthOfAllOnesIsTooLargeEvenWithTheLargestLimit() {
        PacketTooLargeException e = assertThrows(PacketTooLargeException.class,
                () -> reader("ff:ff:ff:ff # length 2^32 - 1\n42", Integer.MAX_VALUE).read());
        assertEquals("packet announces 4294967294 bytes of data, more than the limit of 2147483647 bytes",
                e.getMessage());
        assertEquals(0xFFFFFFFEL, e.announced());
        assertEquals(Integer.MAX_VALUE, e.limit());
    }

    @Test
    void oneByteOverTheLimitIsTooLargeAndNothingPastThePrefixIsRead() {
        CountingInputStream counted = new CountingInputStream(new ByteArrayInputStream(hex("""
                00:01:00:01   # length 65537: 65536 bytes of data
                42            # 'B', never read
                """)));
        PacketReader in = new PacketReader(counted, PacketLimits.DEFAULT_MTA_DATA_BYTES);
        PacketTooLargeException e = assertThrows(PacketTooLargeException.class, in::read);
        assertEquals("packet announces 65536 bytes of data, more than the limit of 65535 bytes", e.getMessage());
        assertEquals(Packet.LENGTH_BYTES, counted.count, "bytes consumed");
    }

    @Test
    void dataOfExactlyTheLimitIsAccepted() throws IOException {
        byte[] data = new byte[PacketLimits.DEFAULT_MTA_DATA_BYTES];
        new SplittableRandom(1).nextBytes(data);
        Packet packet = Packet.of('B', data);
        PacketReader in = new PacketReader(new ByteArrayInputStream(Wire.bytes(packet.toFrame())),
                PacketLimits.DEFAULT_MTA_DATA_BYTES);
        assertEquals(packet, in.read());
    }

    @Test
    void zeroLimitAcceptsOnlyBareCodes() throws IOException {
        PacketReader in = reader("00:00:00:01:63   # 'c'\n00:00:00:02:63:00 # 'c' with one byte", 0);
        assertEquals(Packet.of('c'), in.read());
        assertThrows(PacketTooLargeException.class, in::read);
    }

    @Test
    void raisedLimitAppliesToTheNextPacket() throws IOException {
        byte[] big = new byte[PacketLimits.MDS_256K_DATA_BYTES];
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(Wire.bytes(Packet.of('O', new byte[12]).toFrame()));
        stream.writeBytes(Wire.bytes(Packet.of('B', big).toFrame()));
        PacketReader in = new PacketReader(new ByteArrayInputStream(stream.toByteArray()),
                PacketLimits.DEFAULT_MTA_DATA_BYTES);
        assertEquals('O', in.read().code());
        in.setMaxDataBytes(PacketLimits.mtaDataBytes(ProtocolFlag.MDS_256K.bit()));
        assertEquals(PacketLimits.MDS_256K_DATA_BYTES, in.maxDataBytes());
        assertEquals(big.length, in.read().size());
    }

    @Test
    void loweredLimitRefusesWhatWasAcceptedBefore() throws IOException {
        PacketReader in = reader("00:00:00:03:42:61:62 # 'B' \"ab\"\n00:00:00:03:42:61:62 # again", 10);
        assertEquals(2, in.read().size());
        in.setMaxDataBytes(1);
        assertThrows(PacketTooLargeException.class, in::read);
    }

    @Test
    void negativeLimitIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PacketReader(InputStream.nullInputStream(), -1));
        assertEquals("limit must not be negative: -1", e.getMessage());
    }

    @Test
    void hugeAnnouncementThenEofFailsFastWithoutAllocatingIt() {
        com.sun.management.ThreadMXBean threads = allocationCounter();
        // 0x7FFFFFFF: 2^31 - 2 bytes of data, under a limit raised to the largest int; then 3 bytes and EOF.
        InputStream liar = new ByteArrayInputStream(hex("7f:ff:ff:ff # length 2^31 - 1\n42 # 'B'\n61:62:63"));
        PacketReader in = new PacketReader(liar, Integer.MAX_VALUE);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            long before = threads.getCurrentThreadAllocatedBytes();
            EOFException e = assertThrows(EOFException.class, in::read);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals("stream ended after 3 of 2147483646 data bytes of packet 'B' (0x42)", e.getMessage());
            assertTrue(allocated < 1024 * 1024, "allocated " + allocated + " bytes for a 3-byte packet");
        });
    }

    @Test
    void bufferGrowsOnlyAsDataArrives() {
        com.sun.management.ThreadMXBean threads = allocationCounter();
        int sent = 1024 * 1024;
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(hex("7f:ff:ff:ff # length 2^31 - 1\n42 # 'B'"));
        stream.writeBytes(new byte[sent]);
        PacketReader in = new PacketReader(new ByteArrayInputStream(stream.toByteArray()), Integer.MAX_VALUE);
        long before = threads.getCurrentThreadAllocatedBytes();
        EOFException e = assertThrows(EOFException.class, in::read);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals("stream ended after 1048576 of 2147483646 data bytes of packet 'B' (0x42)", e.getMessage());
        // Doubling from 64 KiB to hold 1 MiB allocates under 4 MiB in all; 8 MiB leaves room for the exception.
        assertTrue(allocated < 8L * sent, "allocated " + allocated + " bytes for " + sent + " bytes received");
    }

    @Test
    void framesSplitAtArbitraryBoundariesReadBackUnchanged() {
        SeededProperty.check(200, random -> {
            List<Packet> sent = new ArrayList<>();
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            int frames = random.nextInt(1, 40);
            int largest = 0;
            for (int i = 0; i < frames; i++) {
                Packet packet = randomPacket(random);
                sent.add(packet);
                largest = Math.max(largest, packet.size());
                stream.writeBytes(Wire.bytes(packet.toFrame()));
            }
            int maxPiece = List.of(1, 2, 3, 7, 64, 4096, 100_000).get(random.nextInt(7));
            PacketReader in = new PacketReader(new ChoppyInputStream(stream.toByteArray(), random, maxPiece), largest);
            List<Packet> received = new ArrayList<>();
            try {
                for (Packet p = in.read(); p != null; p = in.read()) {
                    received.add(p);
                }
            } catch (IOException e) {
                throw new AssertionError("pieces of at most " + maxPiece + " bytes", e);
            }
            assertEquals(sent, received, "pieces of at most " + maxPiece + " bytes");
        });
    }

    @Test
    void packetPayloadIsAFreshViewEachTime() {
        Packet packet = Packet.of('B', new byte[] {1, 2, 3});
        ByteBuffer first = packet.payload();
        first.get();
        assertEquals(3, packet.payload().remaining(), "reading one view does not move another");
        assertTrue(first.isReadOnly());
    }

    @Test
    void packetFrameCountsTheCodeInItsLength() {
        assertEquals(Wire.show(hex("00:00:00:03 # length 3\n42 # 'B'\n01:02")),
                Wire.show(Wire.bytes(Packet.of('B', new byte[] {1, 2}).toFrame())));
    }

    @Test
    void packetShowsItsCodeAndSize() {
        assertEquals("Packet['B' (0x42), 2 bytes]", Packet.of('B', new byte[2]).toString());
        assertEquals("Packet[0x0a, 0 bytes]", Packet.of('\n').toString());
    }

    /** Mostly small packets, some past the reader's 64 KiB starting buffer, any code byte. */
    private static Packet randomPacket(SplittableRandom random) {
        int size = switch (random.nextInt(10)) {
            case 0 -> 0;
            case 1 -> random.nextInt(64 * 1024, 200 * 1024);
            default -> random.nextInt(1, 300);
        };
        byte[] data = new byte[size];
        random.nextBytes(data);
        return Packet.of((char) random.nextInt(256), data);
    }

    private static com.sun.management.ThreadMXBean allocationCounter() {
        var bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported()
                && t.isThreadAllocatedMemoryEnabled(), "this JVM does not count allocated bytes per thread");
        return (com.sun.management.ThreadMXBean) bean;
    }

    /** Hands out the bytes in random pieces of 1..maxPiece, as a socket may. */
    static final class ChoppyInputStream extends InputStream {
        private final byte[] data;
        private final SplittableRandom random;
        private final int maxPiece;
        private int position;

        ChoppyInputStream(byte[] data, SplittableRandom random, int maxPiece) {
            this.data = data;
            this.random = random;
            this.maxPiece = maxPiece;
        }

        @Override
        public int read() {
            return position < data.length ? data[position++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            if (position == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(length, random.nextInt(1, maxPiece + 1)), data.length - position);
            System.arraycopy(data, position, into, offset, n);
            position += n;
            return n;
        }
    }

    /** Counts the bytes taken from a stream. */
    static final class CountingInputStream extends InputStream {
        private final InputStream in;
        long count;

        CountingInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            int n = in.read(into, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
