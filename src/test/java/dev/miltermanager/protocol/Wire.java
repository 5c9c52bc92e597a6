package dev.miltermanager.protocol;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.stream.Collectors;

/**
 * Wire bytes for tests, written as commented hex: one group of colon-separated bytes per line, anything after
 * {@code #} is a comment. Lines are joined with {@code :} and parsed with {@code HexFormat.ofDelimiter(":")}.
 */
final class Wire {
    static final HexFormat HEX = HexFormat.ofDelimiter(":");

    private Wire() {
    }

    /** The bytes a commented hex block spells. */
    static byte[] hex(String commented) {
        String joined = commented.lines()
                .map(line -> line.replaceFirst("#.*", "").strip())
                .filter(line -> !line.isEmpty())
                .collect(Collectors.joining(":"));
        return HEX.parseHex(joined);
    }

    /** The remaining bytes of a buffer, without moving it. */
    static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** A buffer as colon-separated hex, for assertion messages that show where the bytes differ. */
    static String show(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    /** The packet a whole frame holds: the length prefix is checked, the code and data kept. */
    static Packet packet(byte[] frame) {
        ByteBuffer in = ByteBuffer.wrap(frame);
        int length = in.getInt();
        if (length != frame.length - Packet.LENGTH_BYTES) {
            throw new AssertionError("length prefix " + length + " does not match a frame of " + frame.length
                    + " bytes");
        }
        char code = (char) (in.get() & 0xFF);
        byte[] data = new byte[in.remaining()];
        in.get(data);
        return Packet.of(code, data);
    }
}
