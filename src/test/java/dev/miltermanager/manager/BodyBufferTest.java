package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The body kept for replay: in memory up to the limit, in a private temporary file beyond it. */
class BodyBufferTest {
    private static final int LIMIT = 1000;
    private static final int CHUNK = 64;

    @TempDir
    Path dir;

    private static byte[] randomBytes(long seed, int length) {
        byte[] bytes = new byte[length];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /** Appends {@code bytes} in pieces of {@code piece} bytes. */
    private static void appendAll(BodyBuffer body, byte[] bytes, int piece) throws IOException {
        for (int offset = 0; offset < bytes.length; offset += piece) {
            body.append(ByteBuffer.wrap(bytes, offset, Math.min(piece, bytes.length - offset)));
        }
    }

    /** Reads the whole body by chunks, checking each chunk is full but the last. */
    private static byte[] readChunks(BodyBuffer body, int chunkSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Integer> sizes = new ArrayList<>();
        body.forEachChunk(chunkSize, chunk -> {
            sizes.add(chunk.remaining());
            byte[] bytes = new byte[chunk.remaining()];
            chunk.get(bytes);
            out.writeBytes(bytes);
            return true;
        });
        for (int i = 0; i < sizes.size(); i++) {
            int size = sizes.get(i);
            assertTrue(i == sizes.size() - 1 ? size > 0 && size <= chunkSize : size == chunkSize, "chunks " + sizes);
        }
        return out.toByteArray();
    }

    private long filesInDir() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }

    @Test
    void aBodyUnderTheLimitStaysInMemory() throws IOException {
        try (BodyBuffer body = new BodyBuffer(LIMIT, dir)) {
            byte[] bytes = randomBytes(1, LIMIT);
            appendAll(body, bytes, 100);
            assertFalse(body.isSpilled());
            assertEquals(LIMIT, body.size());
            assertEquals(0, filesInDir());
            assertArrayEquals(bytes, readChunks(body, CHUNK));
        }
    }

    @Test
    void aBodyOverTheLimitSpillsToAPrivateFileInTheDirectory() throws IOException {
        try (BodyBuffer body = new BodyBuffer(LIMIT, dir)) {
            byte[] bytes = randomBytes(2, LIMIT + 1);
            appendAll(body, bytes, 100);
            assertTrue(body.isSpilled());
            assertEquals(LIMIT + 1, body.size());
            assertEquals(1, filesInDir());
            assertArrayEquals(bytes, readChunks(body, CHUNK));
            try (Stream<Path> files = Files.list(dir)) {
                Path file = files.findFirst().orElseThrow();
                assertEquals(LIMIT + 1, Files.size(file));
                assumeTrue(file.getFileSystem().supportedFileAttributeViews().contains("posix"));
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, LIMIT - 1, LIMIT, LIMIT + 1, 3 * LIMIT + 7})
    void contentRoundTripsExactlyInMemoryAndSpilled(int length) throws IOException {
        for (int piece : new int[] {1, 7, CHUNK, 4096}) {
            try (BodyBuffer body = new BodyBuffer(LIMIT, dir)) {
                byte[] bytes = randomBytes(length * 31L + piece, length);
                appendAll(body, bytes, piece);
                assertEquals(length, body.size());
                assertEquals(length > LIMIT, body.isSpilled());
                assertArrayEquals(bytes, readChunks(body, CHUNK), "pieces of " + piece);
                assertArrayEquals(bytes, readChunks(body, CHUNK), "read twice");
                assertArrayEquals(bytes, readChunks(body, 1), "chunks of 1");
                assertArrayEquals(bytes, readChunks(body, Integer.MAX_VALUE), "one chunk");
                try (InputStream in = body.openStream()) {
                    assertArrayEquals(bytes, in.readAllBytes(), "as a stream");
                }
            }
        }
    }

    @Test
    void anEmptyBodyGivesNoChunks() throws IOException {
        try (BodyBuffer body = new BodyBuffer(LIMIT, dir)) {
            body.append(ByteBuffer.allocate(0));
            body.forEachChunk(CHUNK, chunk -> {
                throw new AssertionError("no chunk expected");
            });
            assertEquals(0, body.size());
        }
    }

    @Test
    void appendLeavesTheCallersBufferAlone() throws IOException {
        try (BodyBuffer body = new BodyBuffer(4, dir)) {
            ByteBuffer chunk = ByteBuffer.wrap(new byte[] {1, 2, 3});
            body.append(chunk);
            body.append(chunk);
            assertEquals(0, chunk.position());
            assertArrayEquals(new byte[] {1, 2, 3, 1, 2, 3}, readChunks(body, CHUNK));
        }
    }

    @Test
    void resetDeletesTheFileAndStartsOverInMemory() throws IOException {
        try (BodyBuffer body = new BodyBuffer(LIMIT, dir)) {
            appendAll(body, randomBytes(3, 2 * LIMIT), 300);
            assertEquals(1, filesInDir());
            body.reset();
            assertEquals(0, filesInDir());
            assertEquals(0, body.size());
            assertFalse(body.isSpilled());
            byte[] replacement = randomBytes(4, 10);
            body.append(ByteBuffer.wrap(replacement));
            assertArrayEquals(replacement, readChunks(body, CHUNK));
            assertFalse(body.isSpilled());
        }
    }

    @Test
    void closeDeletesTheFileAndIsIdempotent() throws IOException {
        BodyBuffer body = new BodyBuffer(LIMIT, dir);
        appendAll(body, randomBytes(5, 2 * LIMIT), 300);
        assertEquals(1, filesInDir());
        body.close();
        assertEquals(0, filesInDir());
        body.close();
        assertThrows(IllegalStateException.class, () -> body.append(ByteBuffer.allocate(1)));
        assertThrows(IllegalStateException.class, () -> body.forEachChunk(CHUNK, chunk -> true));
        assertThrows(IllegalStateException.class, body::openStream);
    }

    @Test
    void theConsumerCanStopEarly() throws IOException {
        for (int limit : new int[] {LIMIT, 0}) {
            try (BodyBuffer body = new BodyBuffer(limit, dir)) {
                byte[] bytes = randomBytes(6, 500);
                body.append(ByteBuffer.wrap(bytes));
                List<byte[]> seen = new ArrayList<>();
                body.forEachChunk(CHUNK, chunk -> {
                    byte[] copy = new byte[chunk.remaining()];
                    chunk.get(copy);
                    seen.add(copy);
                    return seen.size() < 2;
                });
                assertEquals(2, seen.size());
                assertArrayEquals(java.util.Arrays.copyOfRange(bytes, CHUNK, 2 * CHUNK), seen.get(1));
            }
        }
    }

    @Test
    void appendsWhileReadingAreNotReadAndNotDisturbed() throws IOException {
        for (int limit : new int[] {LIMIT, 0}) {
            try (BodyBuffer body = new BodyBuffer(limit, dir)) {
                byte[] first = randomBytes(7, 300);
                byte[] later = randomBytes(8, 2000);
                body.append(ByteBuffer.wrap(first));
                ByteArrayOutputStream read = new ByteArrayOutputStream();
                InputStream stream = body.openStream();
                body.forEachChunk(CHUNK, chunk -> {
                    byte[] bytes = new byte[chunk.remaining()];
                    chunk.get(bytes);
                    read.writeBytes(bytes);
                    body.append(ByteBuffer.wrap(later, 0, 100));
                    return true;
                });
                assertArrayEquals(first, read.toByteArray());
                assertArrayEquals(first, stream.readAllBytes());
                assertEquals(300 + 5 * 100, body.size());
            }
        }
    }

    @Test
    void resettingWhileReadingStopsTheReading() throws IOException {
        for (int limit : new int[] {LIMIT, 0}) {
            try (BodyBuffer body = new BodyBuffer(limit, dir)) {
                body.append(ByteBuffer.wrap(randomBytes(9, 500)));
                assertThrows(IllegalStateException.class, () -> body.forEachChunk(CHUNK, chunk -> {
                    body.reset();
                    return true;
                }));
                assertEquals(0, filesInDir());
            }
        }
    }

    @Test
    void chunksAreReadOnly() throws IOException {
        for (int limit : new int[] {LIMIT, 0}) {
            try (BodyBuffer body = new BodyBuffer(limit, dir)) {
                body.append(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                body.forEachChunk(CHUNK, chunk -> {
                    assertTrue(chunk.isReadOnly());
                    return true;
                });
            }
        }
    }

    @Test
    void aTenMebibyteBodyRoundTripsThroughTheFile() throws IOException {
        byte[] bytes = randomBytes(10, 10 * 1024 * 1024);
        try (BodyBuffer body = new BodyBuffer(BodyBuffer.DEFAULT_MAX_IN_MEMORY_BYTES, dir)) {
            appendAll(body, bytes, 65535);
            assertTrue(body.isSpilled());
            assertEquals(bytes.length, body.size());
            assertArrayEquals(bytes, readChunks(body, 65535));
        }
        assertEquals(0, filesInDir());
    }

    @Test
    void theDefaultLimitIsFiveMebibytes() throws IOException {
        assertEquals(5_242_880L, BodyBuffer.DEFAULT_MAX_IN_MEMORY_BYTES);
        try (BodyBuffer body = new BodyBuffer(BodyBuffer.DEFAULT_MAX_IN_MEMORY_BYTES, dir)) {
            appendAll(body, new byte[5_242_880], 65535);
            assertFalse(body.isSpilled());
            body.append(ByteBuffer.wrap(new byte[1]));
            assertTrue(body.isSpilled());
        }
    }

    @Test
    void aFailedSpillLeavesNoFileAndKeepsTheBody() throws IOException {
        Path missing = dir.resolve("missing");
        try (BodyBuffer body = new BodyBuffer(4, missing)) {
            body.append(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertThrows(IOException.class, () -> body.append(ByteBuffer.wrap(new byte[] {4, 5})));
            assertEquals(3, body.size());
            assertFalse(body.isSpilled());
            assertArrayEquals(new byte[] {1, 2, 3}, readChunks(body, CHUNK));
        }
        assertEquals(0, filesInDir());
    }

    @Test
    void argumentsAreChecked() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> new BodyBuffer(-1, dir));
        assertThrows(IllegalArgumentException.class, () -> new BodyBuffer(Integer.MAX_VALUE, dir));
        assertThrows(NullPointerException.class, () -> new BodyBuffer(LIMIT, null));
        try (BodyBuffer body = new BodyBuffer(LIMIT, dir)) {
            assertThrows(IllegalArgumentException.class, () -> body.forEachChunk(0, chunk -> true));
        }
    }
}
