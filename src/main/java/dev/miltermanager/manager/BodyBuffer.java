package dev.miltermanager.manager;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/**
 * The body of one message, kept for replay to later children and for sending a replaced body to the MTA.
 *
 * <p>Bytes stay in memory up to {@code maxInMemoryBytes}; the append that would pass it moves everything to a
 * temporary file in the given directory, created readable and writable by the owner only (0600) where the file
 * system has POSIX permissions. The file is deleted by {@link #reset()} (which returns to memory) and by
 * {@link #close()}; a spill that fails part-way deletes its file before the exception leaves.
 *
 * <p>Call order: {@link #append} any number of times, {@link #forEachChunk} or {@link #openStream} to read what is
 * there so far (any number of times, also between appends), {@link #reset()} to start over, {@link #close()} once
 * at the end of the message. Not thread-safe: one message, one session thread.
 */
final class BodyBuffer implements Closeable {
    /** The manager's default in-memory limit: 5 MiB, as the reference's {@code MAX_ON_MEMORY_BODY_SIZE}. */
    static final long DEFAULT_MAX_IN_MEMORY_BYTES = 5L * 1024 * 1024;

    private static final System.Logger LOG = System.getLogger(BodyBuffer.class.getName());
    private static final int MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;
    private static final int INITIAL_CAPACITY_BYTES = 8192;
    private static final byte[] EMPTY = new byte[0];
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    /** Receives the body piece by piece; the buffer it is given is valid only during the call. */
    @FunctionalInterface
    interface ChunkConsumer {
        /** Takes one piece; returns false to stop reading. */
        boolean accept(ByteBuffer chunk) throws IOException;
    }

    private final long maxInMemoryBytes;
    private final Path temporaryDirectory;
    private byte[] memory = EMPTY;
    private long size;
    private Path file;
    private FileChannel channel;
    /** Counts resets and the close, so a reader notices if the body was emptied under it. */
    private int generation;
    private boolean closed;

    /**
     * @param maxInMemoryBytes how many bytes to keep in memory before spilling to a file (at most about 2 GiB)
     * @param temporaryDirectory where a spilled body's file is created
     */
    BodyBuffer(long maxInMemoryBytes, Path temporaryDirectory) {
        if (maxInMemoryBytes < 0 || maxInMemoryBytes > MAX_ARRAY_BYTES) {
            throw new IllegalArgumentException("maxInMemoryBytes must be within 0.." + MAX_ARRAY_BYTES + ": "
                    + maxInMemoryBytes);
        }
        this.maxInMemoryBytes = maxInMemoryBytes;
        this.temporaryDirectory = Objects.requireNonNull(temporaryDirectory, "temporaryDirectory");
    }

    /**
     * Appends the chunk's remaining bytes (its position is left as it was). If the write fails the body keeps its
     * previous content and size.
     */
    void append(ByteBuffer chunk) throws IOException {
        ensureOpen();
        int length = chunk.remaining();
        if (length == 0) {
            return;
        }
        if (channel == null && size + length <= maxInMemoryBytes) {
            ensureCapacity((int) size + length);
            chunk.duplicate().get(memory, (int) size, length);
            size += length;
            return;
        }
        if (channel == null) {
            spill();
        }
        try {
            writeFully(chunk.duplicate(), size);
        } catch (IOException e) {
            try {
                channel.truncate(size);
            } catch (IOException truncation) {
                e.addSuppressed(truncation);
            }
            throw e;
        }
        size += length;
    }

    /** The body's length in bytes. */
    long size() {
        return size;
    }

    /** Whether the body lives in a temporary file rather than in memory. */
    boolean isSpilled() {
        return channel != null;
    }

    /**
     * Empties the body (a child replaced it) and deletes the file if there was one; later appends start in memory
     * again. A file that cannot be deleted is logged, not thrown: the buffer is empty and usable either way.
     */
    void reset() {
        generation++;
        size = 0;
        memory = EMPTY;
        try {
            discardFile();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete a temporary body file", e);
        }
    }

    /**
     * Hands the body as it is now to {@code consumer} in pieces of exactly {@code chunkSize} bytes, the last one
     * shorter; stops early when the consumer returns false. Bytes appended meanwhile are not read.
     *
     * @throws IllegalStateException if the consumer resets or closes this buffer and asks for more
     */
    void forEachChunk(int chunkSize, ChunkConsumer consumer) throws IOException {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize must be positive: " + chunkSize);
        }
        Objects.requireNonNull(consumer, "consumer");
        ensureOpen();
        long end = size;
        int started = generation;
        FileChannel source = channel;
        byte[] bytes = memory;
        ByteBuffer buffer = source == null ? null : ByteBuffer.allocate((int) Math.min(chunkSize, end));
        for (long offset = 0; offset < end; offset += chunkSize) {
            int length = (int) Math.min(chunkSize, end - offset);
            ByteBuffer chunk;
            if (source == null) {
                chunk = ByteBuffer.wrap(bytes, (int) offset, length).slice();
            } else {
                buffer.clear().limit(length);
                readFully(source, buffer, offset);
                chunk = buffer.flip();
            }
            if (!consumer.accept(chunk.asReadOnlyBuffer())) {
                return;
            }
            if (generation != started) {
                throw new IllegalStateException("the body was reset while it was being read");
            }
        }
    }

    /**
     * A stream over the body as it is now. It needs no closing of its own; after a {@link #reset()} or
     * {@link #close()} of a spilled body, reading it fails with an {@link IOException}.
     */
    InputStream openStream() {
        ensureOpen();
        if (channel == null) {
            return new ByteArrayInputStream(memory, 0, (int) size);
        }
        return new FileSliceStream(channel, size);
    }

    /**
     * Empties the body and deletes its file; further appends and reads fail. Idempotent. A file that cannot be
     * deleted is logged, not thrown, as in {@link #reset()}: the session goes on either way.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        reset();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("body buffer closed");
        }
    }

    private void ensureCapacity(int needed) {
        if (needed <= memory.length) {
            return;
        }
        long grown = Math.max((long) memory.length * 2, INITIAL_CAPACITY_BYTES);
        int capacity = (int) Math.max(needed, Math.min(grown, maxInMemoryBytes));
        memory = Arrays.copyOf(memory, capacity);
    }

    /** Moves the in-memory bytes to a new file; on failure deletes the file and stays in memory. */
    private void spill() throws IOException {
        Path created = createFile();
        try {
            channel = FileChannel.open(created, StandardOpenOption.READ, StandardOpenOption.WRITE);
            writeFully(ByteBuffer.wrap(memory, 0, (int) size), 0);
        } catch (IOException | RuntimeException | Error e) {
            try {
                file = created;
                discardFile();
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        file = created;
        memory = EMPTY;
    }

    private Path createFile() throws IOException {
        if (temporaryDirectory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return Files.createTempFile(temporaryDirectory, "milter-body-", ".tmp", OWNER_ONLY);
        }
        return Files.createTempFile(temporaryDirectory, "milter-body-", ".tmp");
    }

    private void writeFully(ByteBuffer bytes, long position) throws IOException {
        while (bytes.hasRemaining()) {
            position += channel.write(bytes, position);
        }
    }

    private static void readFully(FileChannel source, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int read = source.read(into, position);
            if (read < 0) {
                throw new EOFException("temporary body file is shorter than the body");
            }
            position += read;
        }
    }

    private void discardFile() throws IOException {
        FileChannel open = channel;
        Path path = file;
        channel = null;
        file = null;
        if (path == null) {
            return;
        }
        IOException failure = null;
        try {
            if (open != null) {
                open.close();
            }
        } catch (IOException e) {
            failure = e;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Reads a fixed length of a file by position, so appends and other readers do not disturb it. */
    private static final class FileSliceStream extends InputStream {
        private final FileChannel source;
        private final long end;
        private long position;

        FileSliceStream(FileChannel source, long end) {
            this.source = source;
            this.end = end;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, into.length);
            if (position >= end) {
                return -1;
            }
            if (length == 0) {
                return 0;
            }
            int wanted = (int) Math.min(length, end - position);
            int read = source.read(ByteBuffer.wrap(into, offset, wanted), position);
            if (read < 0) {
                throw new EOFException("temporary body file is shorter than the body");
            }
            position += read;
            return read;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, end - position);
        }
    }
}
