package dev.miltermanager.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads packets from a blocking stream. A length prefix is checked against the limit before anything is
 * allocated, and the buffer then grows only as data actually arrives, so a peer announcing a large packet and
 * sending nothing costs at most {@value #INITIAL_BUFFER_BYTES} bytes.
 *
 * <p>Not thread-safe: one reader per stream, used by one thread at a time. The limit may be raised between
 * packets (after negotiating a larger size).
 */
public final class PacketReader {
    static final int INITIAL_BUFFER_BYTES = 64 * 1024;

    private final InputStream in;
    private final byte[] header = new byte[Packet.LENGTH_BYTES + 1];
    private volatile int maxDataBytes;

    /**
     * @param in the stream; buffer it, since the reader asks for the 5 header bytes and the data separately
     * @param maxDataBytes the largest data part accepted (the code byte not counted)
     */
    public PacketReader(InputStream in, int maxDataBytes) {
        this.in = in;
        setMaxDataBytes(maxDataBytes);
    }

    /** Changes the limit for the packets that follow. */
    public void setMaxDataBytes(int maxDataBytes) {
        if (maxDataBytes < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + maxDataBytes);
        }
        this.maxDataBytes = maxDataBytes;
    }

    /** The limit in force. */
    public int maxDataBytes() {
        return maxDataBytes;
    }

    /**
     * Reads the next packet.
     *
     * @return the packet, or {@code null} when the stream ended cleanly between packets
     * @throws EOFException when the stream ends inside a packet
     * @throws MalformedPacketException when the length prefix is 0 (no room for a code)
     * @throws PacketTooLargeException when the announced data exceeds the limit
     */
    public Packet read() throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        header[0] = (byte) first;
        readFully(header, 1, Packet.LENGTH_BYTES - 1, "length prefix");
        long length = ((header[0] & 0xFFL) << 24) | ((header[1] & 0xFFL) << 16)
                | ((header[2] & 0xFFL) << 8) | (header[3] & 0xFFL);
        if (length == 0) {
            throw new MalformedPacketException("packet length 0: a packet holds at least its code byte");
        }
        long dataBytes = length - 1;
        if (dataBytes > maxDataBytes) {
            throw new PacketTooLargeException(dataBytes, maxDataBytes);
        }
        readFully(header, Packet.LENGTH_BYTES, 1, "code byte");
        char code = (char) (header[Packet.LENGTH_BYTES] & 0xFF);
        return Packet.of(code, readData((int) dataBytes, code));
    }

    private byte[] readData(int size, char code) throws IOException {
        byte[] data = new byte[Math.min(size, INITIAL_BUFFER_BYTES)];
        int filled = 0;
        while (filled < size) {
            if (filled == data.length) {
                data = Arrays.copyOf(data, (int) Math.min(size, (long) data.length * 2));
            }
            int n = in.read(data, filled, data.length - filled);
            if (n < 0) {
                throw new EOFException("stream ended after " + filled + " of " + size + " data bytes of packet "
                        + Packet.describeCode(code));
            }
            filled += n;
        }
        return data;
    }

    private void readFully(byte[] into, int offset, int length, String what) throws IOException {
        int done = 0;
        while (done < length) {
            int n = in.read(into, offset + done, length - done);
            if (n < 0) {
                throw new EOFException("stream ended inside a packet's " + what);
            }
            done += n;
        }
    }
}
