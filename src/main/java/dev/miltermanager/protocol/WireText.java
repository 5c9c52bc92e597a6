package dev.miltermanager.protocol;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text on the wire to and from Java strings without losing a byte. Milter strings are bytes: usually ASCII or
 * UTF-8, sometimes raw 8-bit header text. Valid UTF-8 decodes as usual; each byte of an invalid sequence
 * becomes the lone surrogate {@code U+DC80..U+DCFF} (the "surrogate escape" Python uses), and encoding turns
 * those back into the original bytes, so a manager forwards exactly what it received.
 */
public final class WireText {
    private static final char ESCAPE_BASE = 0xDC00;

    private WireText() {
    }

    /** Decodes {@code length} bytes of {@code data} from {@code offset}. */
    public static String decode(byte[] data, int offset, int length) {
        if (isAscii(data, offset, length)) {
            return new String(data, offset, length, StandardCharsets.ISO_8859_1);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(data, offset, length);
        CharBuffer out = CharBuffer.allocate(length);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isUnderflow()) {
                break;
            }
            if (result.isError()) {
                for (int i = 0; i < result.length(); i++) {
                    out.put((char) (ESCAPE_BASE | (in.get() & 0xFF)));
                }
            } else {
                throw new IllegalStateException("output buffer cannot overflow: " + result);
            }
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    /** Encodes a string, turning escaped bytes back into themselves. */
    public static byte[] encode(String text) {
        if (!hasEscapes(text)) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        ByteBuffer out = ByteBuffer.allocate(text.length() * 3);
        int runStart = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isEscape(text, i)) {
                out.put(text.substring(runStart, i).getBytes(StandardCharsets.UTF_8));
                out.put((byte) (c & 0xFF));
                runStart = i + 1;
            }
        }
        out.put(text.substring(runStart).getBytes(StandardCharsets.UTF_8));
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    /** Whether every byte is 7-bit. */
    private static boolean isAscii(byte[] data, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (data[i] < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean hasEscapes(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isEscape(text, i)) {
                return true;
            }
        }
        return false;
    }

    /** A lone low surrogate in U+DC80..U+DCFF that does not complete a pair. */
    private static boolean isEscape(String text, int i) {
        char c = text.charAt(i);
        return c >= 0xDC80 && c <= 0xDCFF && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
    }

    /** Strict UTF-8 check, for callers that want to know whether a value was escaped. */
    public static boolean isValidUtf8(byte[] data) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(data));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
