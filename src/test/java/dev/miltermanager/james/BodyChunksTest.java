package dev.miltermanager.james;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Body chunks: line ends as the milter protocol has them, chunk sizes, nothing lost at chunk boundaries. */
class BodyChunksTest {

    private static List<String> chunks(String body, int size) throws Exception {
        BodyChunks chunks = new BodyChunks(new ByteArrayInputStream(body.getBytes(StandardCharsets.ISO_8859_1)), size);
        List<String> out = new ArrayList<>();
        for (byte[] c = chunks.next(); c != null; c = chunks.next()) {
            out.add(new String(c, StandardCharsets.ISO_8859_1));
        }
        assertNull(chunks.next(), "stays at the end");
        return out;
    }

    @Test
    void bareLineFeedsBecomeCrlfAndCrlfStaysAsIs() throws Exception {
        assertEquals(List.of("a\r\nb\r\nc\r\n"), chunks("a\nb\r\nc\n", 100));
        assertEquals(List.of("lone\rcr\r\n"), chunks("lone\rcr\n", 100), "a lone CR is left alone");
    }

    @Test
    void chunksAreFullExceptTheLastAndALineEndMaySpanTwo() throws Exception {
        assertEquals(List.of("ab\r", "\ncd", "\r\n"), chunks("ab\ncd\n", 3));
        assertEquals(List.of(), chunks("", 3));
    }

    @Test
    void everySizeGivesTheSameBytes() throws Exception {
        String body = "x".repeat(70_000) + "\n" + "y\r\n".repeat(30_000);
        String expected = "x".repeat(70_000) + "\r\n" + "y\r\n".repeat(30_000);
        for (int size : new int[] {1, 2, 7, 8192, 65535}) {
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            List<String> parts = chunks(body, size);
            parts.forEach(p -> joined.writeBytes(p.getBytes(StandardCharsets.ISO_8859_1)));
            assertEquals(expected, joined.toString(StandardCharsets.ISO_8859_1), "chunk size " + size);
            assertEquals((expected.length() + size - 1) / size, parts.size(), "chunk size " + size);
        }
    }
}
