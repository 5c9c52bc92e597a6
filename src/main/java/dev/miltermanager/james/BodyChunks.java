package dev.miltermanager.james;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a message body from its raw stream in chunks of at most {@code chunkSize} bytes, with line ends as the
 * milter protocol has them (CRLF: a bare LF becomes CRLF). Only one chunk is held at a time, so a large message is
 * streamed, never copied whole into memory. Not thread-safe.
 */
final class BodyChunks {
    private final InputStream in;
    private final byte[] readBuffer;
    private final int chunkSize;
    private int readPosition;
    private int readLimit;
    private boolean lastWasCr;
    private boolean pendingLf;
    private boolean ended;

    BodyChunks(InputStream in, int chunkSize) {
        this.in = in;
        this.chunkSize = chunkSize;
        this.readBuffer = new byte[Math.min(chunkSize, 8192)];
    }

    /** The next chunk, or {@code null} at the end of the body. */
    byte[] next() throws IOException {
        byte[] chunk = new byte[chunkSize];
        int length = 0;
        while (length < chunkSize) {
            if (pendingLf) {
                chunk[length++] = '\n';
                pendingLf = false;
                lastWasCr = false;
                continue;
            }
            if (readPosition == readLimit && !fill()) {
                break;
            }
            byte b = readBuffer[readPosition++];
            if (b == '\n' && !lastWasCr) {
                chunk[length++] = '\r';
                pendingLf = true; // the LF follows, in this chunk if there is room, else in the next
                continue;
            }
            chunk[length++] = b;
            lastWasCr = b == '\r';
        }
        if (length == 0) {
            return null;
        }
        return length == chunkSize ? chunk : Arrays.copyOf(chunk, length);
    }

    private boolean fill() throws IOException {
        if (ended) {
            return false;
        }
        int n = in.read(readBuffer);
        if (n < 0) {
            ended = true;
            return false;
        }
        readPosition = 0;
        readLimit = n;
        return true;
    }
}
