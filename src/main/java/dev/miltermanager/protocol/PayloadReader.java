package dev.miltermanager.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Reads the fields of one packet's data; every shortfall is a {@link MalformedPacketException} naming the field. */
final class PayloadReader {
    private final ByteBuffer data;
    private final int end;
    private final String what;
    private final char code;
    private int position;

    /**
     * Reads through a view of the packet's data rather than a copy: a packet's buffer is read-only, so it offers no
     * array, and copying it would double the cost of every body chunk.
     */
    PayloadReader(Packet packet, String what) {
        this.data = packet.payload();
        this.position = data.position();
        this.end = data.limit();
        this.what = what; // the message naming the packet is made only for an error
        this.code = packet.code();
    }

    int remaining() {
        return end - position;
    }

    boolean hasRemaining() {
        return position < end;
    }

    int u32(String field) {
        need(4, field);
        int value = data.getInt(position);
        position += 4;
        return value;
    }

    int u16(String field) {
        need(2, field);
        int value = data.getShort(position) & 0xFFFF;
        position += 2;
        return value;
    }

    char u8(String field) {
        need(1, field);
        return (char) (data.get(position++) & 0xFF);
    }

    /** A NUL-terminated string. */
    String string(String field) {
        for (int i = position; i < end; i++) {
            if (data.get(i) == 0) {
                byte[] bytes = new byte[i - position];
                data.get(position, bytes);
                String value = WireText.decode(bytes, 0, bytes.length);
                position = i + 1;
                return value;
            }
        }
        throw malformed(position == end ? "missing " + field : field + " is not NUL-terminated");
    }

    /** NUL-terminated strings up to the end of the data. */
    List<String> strings(String field) {
        List<String> values = new ArrayList<>();
        while (hasRemaining()) {
            values.add(string(field));
        }
        return values;
    }

    /** The rest of the data, not copied. */
    ByteBuffer rest() {
        ByteBuffer rest = data.slice(position, end - position);
        position = end;
        return rest;
    }

    /** Checks that nothing follows the last field. */
    void end() {
        if (hasRemaining()) {
            throw malformed(remaining() + " unexpected bytes after the last field");
        }
    }

    MalformedPacketException malformed(String problem) {
        return new MalformedPacketException(what + " " + Packet.describeCode(code) + ": " + problem);
    }

    private void need(int bytes, String field) {
        if (end - position < bytes) {
            throw malformed("too short for " + field + " (" + (end - position) + " of " + bytes + " bytes)");
        }
    }
}
