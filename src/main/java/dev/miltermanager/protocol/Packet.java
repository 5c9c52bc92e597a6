package dev.miltermanager.protocol;

import java.nio.ByteBuffer;

/**
 * One frame of the milter protocol: a code byte and its data. On the wire it is a 4-byte big-endian length
 * (counting the code byte), the code, then the data.
 *
 * <p>The payload is held as a read-only buffer and handed out as a fresh duplicate, so readers never disturb
 * each other's position. {@link #of(char, byte[])} wraps without copying: the caller must not change the array
 * afterwards.
 *
 * @param code the command or response code, such as {@code 'C'} or {@code 'h'}
 * @param payload the data after the code
 */
public record Packet(char code, ByteBuffer payload) {
    /** Bytes of the length prefix. */
    public static final int LENGTH_BYTES = 4;

    public Packet {
        if (code > 0xFF) {
            throw new IllegalArgumentException("packet code must be one byte: " + describeCode(code));
        }
        payload = payload.slice().asReadOnlyBuffer();
    }

    /** A packet over {@code data}, not copied. */
    public static Packet of(char code, byte[] data) {
        return new Packet(code, ByteBuffer.wrap(data));
    }

    /** A packet with no data. */
    public static Packet of(char code) {
        return new Packet(code, ByteBuffer.allocate(0));
    }

    @Override
    public ByteBuffer payload() {
        return payload.duplicate();
    }

    /** The number of data bytes (the length prefix minus one). */
    public int size() {
        return payload.remaining();
    }

    /** The whole frame, length prefix included, ready to write. */
    public ByteBuffer toFrame() {
        ByteBuffer frame = ByteBuffer.allocate(LENGTH_BYTES + 1 + size());
        frame.putInt(size() + 1).put((byte) code).put(payload());
        return frame.flip();
    }

    /** A code as a log line shows it: the character when printable, and always its hex value. */
    public static String describeCode(char code) {
        String hex = String.format("0x%02x", (int) code);
        return code >= 0x21 && code < 0x7F ? "'" + code + "' (" + hex + ")" : hex;
    }

    @Override
    public String toString() {
        return "Packet[" + describeCode(code) + ", " + size() + " bytes]";
    }
}
