package dev.miltermanager.protocol;

import dev.miltermanager.testsupport.SeededProperty;
import static dev.miltermanager.protocol.Wire.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Wire text: UTF-8 when it is UTF-8, every other byte kept as an escape, so nothing is lost either way. */
class WireTextTest {

    private static String decode(byte[] bytes) {
        return WireText.decode(bytes, 0, bytes.length);
    }

    @Test
    void asciiDecodesAsItself() {
        byte[] bytes = hex("48:65:6c:6c:6f:09:7f # \"Hello\", TAB, DEL");
        assertEquals("Hello\t\u007f", decode(bytes));
        assertEquals(Wire.show(bytes), Wire.show(WireText.encode("Hello\t\u007f")));
    }

    @Test
    void decodeReadsOnlyTheGivenRange() {
        byte[] bytes = hex("78:61:62:78 # \"xabx\"");
        assertEquals("ab", WireText.decode(bytes, 1, 2));
        assertEquals("", WireText.decode(bytes, 4, 0));
    }

    @Test
    void validUtf8DecodesAsUnicode() {
        byte[] bytes = hex("""
                c3:a9           # é
                e2:82:ac        # €
                f0:9f:98:80     # U+1F600, a surrogate pair in Java
                """);
        assertEquals("é€\uD83D\uDE00", decode(bytes));
        assertEquals(Wire.show(bytes), Wire.show(WireText.encode("é€\uD83D\uDE00")));
        assertTrue(WireText.isValidUtf8(bytes));
    }

    @Test
    void latin1ByteBecomesAnEscapeAndEncodesBackToItself() {
        byte[] bytes = hex("e9:74:e9 # \"été\" in Latin-1");
        String text = decode(bytes);
        assertEquals("\uDCE9t\uDCE9", text);
        assertEquals(Wire.show(bytes), Wire.show(WireText.encode(text)));
        assertFalse(WireText.isValidUtf8(bytes));
    }

    @Test
    void truncatedSequenceAtTheEndEscapesEachByte() {
        byte[] bytes = hex("61:e2:82 # \"a\", then two bytes of a three-byte sequence");
        assertEquals("a\uDCE2\uDC82", decode(bytes));
        assertEquals(Wire.show(bytes), Wire.show(WireText.encode(decode(bytes))));
    }

    @Test
    void encodedSurrogatesAreNotUtf8AndAreEscapedByteByByte() {
        byte[] bytes = hex("ed:b2:80 # U+DC80 written as CESU-8: not UTF-8");
        String text = decode(bytes);
        assertEquals(3, text.length());
        assertEquals(Wire.show(bytes), Wire.show(WireText.encode(text)));
    }

    @Test
    void pairWhoseLowHalfLooksLikeAnEscapeStaysAPair() {
        // U+1F080 is D83C DC80 in UTF-16: the low half is in the escape range but completes a pair.
        byte[] bytes = hex("f0:9f:82:80 # U+1F080");
        assertEquals("\uD83C\uDC80", decode(bytes));
        assertEquals(Wire.show(bytes), Wire.show(WireText.encode("\uD83C\uDC80")));
    }

    @Test
    void escapeRightAfterAPairIsStillAnEscape() {
        byte[] bytes = hex("f0:9f:82:80:80 # U+1F080 then a stray continuation byte");
        String text = decode(bytes);
        assertEquals("\uD83C\uDC80\uDC80", text);
        assertEquals(Wire.show(bytes), Wire.show(WireText.encode(text)));
    }

    @Test
    void everyByteArrayEncodesBackToItself() {
        SeededProperty.check(20_000, random -> {
            byte[] bytes = RandomMessages.awkwardBytes(random);
            assertEquals(Wire.show(bytes), Wire.show(WireText.encode(decode(bytes))));
        });
    }

    @Test
    void validUtf8DecodesLikeTheJdk() {
        SeededProperty.check(5_000, random -> {
            String text = RandomMessages.text(random);
            byte[] utf8 = WireText.encode(text);
            if (WireText.isValidUtf8(utf8)) {
                assertEquals(new String(utf8, StandardCharsets.UTF_8), decode(utf8));
            }
            assertEquals(text, decode(utf8), "decode(encode(s)) for a string decode could have produced");
        });
    }
}
