package dev.miltermanager.milter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The socket a session talks over, reduced to what the session needs: a buffered input, writes that keep their
 * buffers together, a deadline around each blocking step, and a close that unblocks everything.
 *
 * <p>Thread-safety: one reader thread; {@code write} and {@code close} from any thread.
 */
interface Wire extends AutoCloseable {

    /** Buffered input for the packet reader. */
    InputStream input();

    /** Writes all buffers, in order, in one write as far as the socket allows. */
    void write(ByteBuffer... frames) throws IOException;

    /**
     * Arms a deadline: if {@link Guard#close()} is not called within {@code timeout}, the wire is closed and the
     * blocked operation fails.
     */
    Guard deadline(Duration timeout, String phase);

    /** The MTA's end, as logs print it. */
    String peer();

    /** Closes the socket; idempotent, never blocks, never throws. */
    @Override
    void close();

    /** An armed deadline; closing disarms it. */
    interface Guard extends AutoCloseable {
        @Override
        void close();
    }
}
