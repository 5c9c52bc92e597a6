package dev.miltermanager.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Reads the fields of one packet's data; every shortfall is a {@link MalformedPacketException} naming the field. */
final class PayloadReader {
    private final byte[] data;
    private final int end;
    private final String packet;
    private int position;

    PayloadReader(Packet packet, String what) {
        ByteBuffer payload = packet.payload();
        if (payload.hasArray()) {
            this.data = payload.array();
            this.position = payload.arrayOffset() + payload.position();
        } else {
            this.data = new byte[payload.remaining()];
            payload.get(this.data);
            this.position = 0;
        }
        this.end = position + packet.size();
        this.packet = what + " " + Packet.describeCode(packet.code());
    }

    int remaining() {
        return end - position;
    }

    boolean hasRemaining() {
        return position < end;
    }

    int u32(String field) {
        need(4, field);
        int value = ((data[position] & 0xFF) << 24) | ((data[position + 1] & 0xFF) << 16)
                | ((data[position + 2] & 0xFF) << 8) | (data[position + 3] & 0xFF);
        position += 4;
        return value;
    }

    int u16(String field) {
        need(2, field);
        int value = ((data[position] & 0xFF) << 8) | (data[position + 1] & 0xFF);
        position += 2;
        return value;
    }

    char u8(String field) {
        need(1, field);
        return (char) (data[position++] & 0xFF);
    }

    /** A NUL-terminated string. */
    String string(String field) {
        for (int i = position; i < end; i++) {
            if (data[i] == 0) {
                String value = WireText.decode(data, position, i - position);
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
        ByteBuffer rest = ByteBuffer.wrap(data, position, end - position).slice();
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
        return new MalformedPacketException(packet + ": " + problem);
    }

    private void need(int bytes, String field) {
        if (end - position < bytes) {
            throw malformed("too short for " + field + " (" + (end - position) + " of " + bytes + " bytes)");
        }
    }
}
