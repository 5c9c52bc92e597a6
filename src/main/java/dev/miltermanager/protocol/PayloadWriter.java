package dev.miltermanager.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/** Builds one frame: length prefix, code, data. The length is filled in by {@link #toFrame()}. */
final class PayloadWriter {
    private byte[] buffer;
    private int size;

    PayloadWriter(char code, int expectedDataBytes) {
        buffer = new byte[Packet.LENGTH_BYTES + 1 + Math.max(16, expectedDataBytes)];
        size = Packet.LENGTH_BYTES;
        u8(code);
    }

    PayloadWriter u8(int value) {
        ensure(1);
        buffer[size++] = (byte) value;
        return this;
    }

    PayloadWriter u16(int value) {
        ensure(2);
        buffer[size++] = (byte) (value >>> 8);
        buffer[size++] = (byte) value;
        return this;
    }

    PayloadWriter u32(int value) {
        ensure(4);
        buffer[size++] = (byte) (value >>> 24);
        buffer[size++] = (byte) (value >>> 16);
        buffer[size++] = (byte) (value >>> 8);
        buffer[size++] = (byte) value;
        return this;
    }

    /** A string and its NUL terminator; a NUL inside the string cannot be carried and is refused. */
    PayloadWriter string(String value, String field) {
        byte[] bytes = WireText.encode(value);
        for (byte b : bytes) {
            if (b == 0) {
                throw new IllegalArgumentException(field + " must not contain a NUL character");
            }
        }
        return bytes(ByteBuffer.wrap(bytes)).u8(0);
    }

    PayloadWriter strings(List<String> values, String field) {
        for (String v : values) {
            string(v, field);
        }
        return this;
    }

    PayloadWriter bytes(ByteBuffer data) {
        int n = data.remaining();
        ensure(n);
        data.duplicate().get(buffer, size, n);
        size += n;
        return this;
    }

    ByteBuffer toFrame() {
        int length = size - Packet.LENGTH_BYTES;
        buffer[0] = (byte) (length >>> 24);
        buffer[1] = (byte) (length >>> 16);
        buffer[2] = (byte) (length >>> 8);
        buffer[3] = (byte) length;
        return ByteBuffer.wrap(buffer, 0, size);
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(size + more, buffer.length * 2));
        }
    }
}
