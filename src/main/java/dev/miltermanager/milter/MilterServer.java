package dev.miltermanager.milter;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.ListenOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;

/**
 * Serves a {@link Milter} to MTAs on a TCP or Unix-domain socket: each accepted connection gets its own thread
 * (a virtual thread unless another {@link ThreadFactory} is given) and its own milter instance from the
 * {@link MilterFactory}.
 *
 * {@snippet :
 * MilterSpec spec = MilterSpec.builder().actions(Action.ADD_HEADERS).build();
 * try (MilterServer server = MilterServer.create(ConnectionSpec.parse("inet:0@[127.0.0.1]"), spec,
 *         context -> new SubjectMilter()).start()) {
 *     ConnectionSpec bound = server.boundSpec(); // the real port, for the MTA's configuration
 *     // ...
 * }
 * }
 *
 * <p>Each connection follows libmilter's conversation rules, leniency included (see {@link Milter}). A protocol
 * error from one MTA connection (a malformed, unknown or oversized packet) is logged with the peer and closes that
 * connection only. Sockets get {@code TCP_NODELAY}, and what belongs together (end-of-message changes and the
 * verdict) is written at once.
 *
 * <p>Call order: {@link #create} or {@link #builder}, {@link #start()}, then {@link #shutdown(Duration)} or
 * {@link #close()}. Thread-safe: every method may be called from any thread.
 */
public interface MilterServer extends AutoCloseable {
    /** How long a read from or write to the MTA may block by default: libmilter's 7210 seconds. */
    Duration DEFAULT_IO_TIMEOUT = Duration.ofSeconds(7210);
    /** How long {@link #close()} waits for the sessions' threads by default. */
    Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** The answer to a callback that throws, by default (pymilter's default too). */
    Response.Decision DEFAULT_CALLBACK_FAILURE_VERDICT = Verdict.TEMPFAIL;

    /** A server with every default; not started. */
    static MilterServer create(ConnectionSpec listen, MilterSpec spec, MilterFactory factory) {
        return builder(listen, spec, factory).build();
    }

    /** A builder for a server listening on {@code listen}, serving milters from {@code factory} declared by {@code spec}. */
    static Builder builder(ConnectionSpec listen, MilterSpec spec, MilterFactory factory) {
        return new DefaultMilterServer.ServerBuilder(listen, spec, factory);
    }

    /**
     * Binds the socket and starts accepting.
     *
     * @return this server
     * @throws IOException when the socket cannot be bound (the message names the spec)
     * @throws IllegalStateException when already started or closed
     */
    MilterServer start() throws IOException;

    /**
     * The spec actually bound: the given one, with the real port when port 0 was asked.
     *
     * @throws IllegalStateException before {@link #start()}
     */
    ConnectionSpec boundSpec();

    /** The number of MTA connections being served. */
    int activeSessions();

    /**
     * Stops accepting, lets the connections end on their own for up to {@code grace}, then closes the rest as
     * {@link #close()} does.
     *
     * @return whether every connection ended on its own
     */
    boolean shutdown(Duration grace);

    /**
     * Stops accepting and closes every connection at once (each milter instance gets {@link Milter#abort()} if
     * a message was open, then {@link Milter#close()}), waiting a bounded time for their threads. Idempotent.
     */
    @Override
    void close();

    /** Configures a {@link MilterServer}; not thread-safe. */
    interface Builder {
        /** Socket file mode, group and the like for Unix specs; the backlog (default {@link ListenOptions#DEFAULTS}). */
        Builder listenOptions(ListenOptions options);

        /** Makes the thread of each connection and the accepting thread (default: virtual threads). */
        Builder threadFactory(ThreadFactory threads);

        /**
         * The answer when a callback throws (default {@link Verdict#TEMPFAIL}); the failure is logged and the
         * connection goes on. {@link Verdict#SKIP} is not allowed.
         */
        Builder callbackFailureVerdict(Response.Decision verdict);

        /** How long waiting for the MTA's next command, or writing to it, may take (default 7210 s). */
        Builder ioTimeout(Duration timeout);

        /** How long {@link MilterServer#close()} waits for the connections' threads (default 5 s). */
        Builder closeTimeout(Duration timeout);

        /** The server, not started. */
        MilterServer build();
    }
}
