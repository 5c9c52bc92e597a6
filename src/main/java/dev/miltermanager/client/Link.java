package dev.miltermanager.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The byte stream under a client session: buffered input, gathering writes, and deadlines that close the stream
 * when they pass (blocking channels have no socket timeouts). Kept this narrow so the client's protocol logic does
 * not depend on how the socket is opened.
 */
interface Link {

    /** Buffered input; {@code available()} counts bytes already received, buffered or still in the socket. */
    InputStream input();

    /** Writes every remaining byte of the buffers in order, in as few system calls as possible. */
    void write(ByteBuffer... buffers) throws IOException;

    /** Has the data received next acknowledged at once (see {@code Connection.acknowledgePromptly()}). */
    void acknowledgePromptly();

    /** Arms a deadline: unless disarmed first, the link is closed when {@code timeout} passes. */
    Guard arm(Duration timeout);

    /** Closes the link; idempotent, never blocks, never throws; unblocks a blocked read or write. */
    void close();

    /** One armed deadline. */
    interface Guard extends AutoCloseable {
        /** Whether the deadline passed and closed the link. */
        boolean expired();

        /** Disarms the deadline if it has not passed. */
        @Override
        void close();
    }
}
