package dev.miltermanager.transport;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * A connected stream socket (TCP or Unix-domain) as the protocol layers use it: a buffered input stream for
 * reading packets, gathering writes for sending several packets at once, and deadlines on any read or write.
 *
 * <p>Call order: obtain it from {@link #connect(ConnectionSpec, Duration)} or {@link #of(SocketChannel)}, read
 * from {@link #input()} and {@link #write(ByteBuffer...)} as the protocol requires, wrapping each blocking step in
 * a {@link #deadline(Duration, String)}, then {@link #close()}.
 * {@snippet :
 * try (Connection connection = Connection.connect(spec, Duration.ofSeconds(297))) {
 *     try (Deadline deadline = connection.deadline(Duration.ofSeconds(7), "writing")) {
 *         connection.write(optionNegotiation, connectCommand); // one gathering write
 *     }
 *     try (Deadline deadline = connection.deadline(Duration.ofSeconds(7), "reading")) {
 *         reply = new PacketReader(connection.input(), limit).read();
 *     }
 * }
 * }
 * When a deadline passes, the connection is closed, and the blocked operation and every later one throw a
 * {@link DeadlineExceededException} naming the phase and timeout of the deadline that passed. Other I/O failures are
 * plain {@link IOException}s.
 *
 * <p>Thread-safety: {@code write} may be called from several threads (a lock keeps each call's buffers
 * together); {@link #input()} is for one reading thread at a time, which may run concurrently with writers;
 * {@code close} may be called from any thread at any time, is idempotent and does not block on the write lock, so
 * it also unblocks a stuck reader or writer.
 */
public interface Connection extends Closeable {

    /**
     * Connects to a spec. A host name is resolved first (its addresses of the spec's family are tried in order,
     * within the one timeout); an {@code inet} spec without a host reaches the loopback address. TCP connections
     * get {@code TCP_NODELAY}.
     *
     * @param timeout how long connecting may take in all; must be positive
     * @throws DeadlineExceededException if no address answered in time
     * @throws java.net.ConnectException if the peer refused or is not there; the message names the spec
     * @throws java.net.UnknownHostException if the host name does not resolve to an address of the family
     */
    static Connection connect(ConnectionSpec spec, Duration timeout) throws IOException {
        return new ChannelConnection(Connector.connect(spec, timeout, Watchdog.shared()), spec.toString(),
                Watchdog.shared());
    }

    /**
     * Wraps a connected blocking channel, such as one returned by {@link Listener#accept()}. The connection owns
     * the channel from now on; TCP channels get {@code TCP_NODELAY}.
     *
     * @throws IllegalArgumentException if the channel is not connected or not in blocking mode
     */
    static Connection of(SocketChannel channel) {
        return new ChannelConnection(channel, ChannelConnection.describePeer(channel), Watchdog.shared());
    }

    /**
     * The buffered input: small reads (a length prefix, a code byte) are served from memory, and a read asking for
     * more than the buffer holds goes straight to the socket. Closing the stream closes the connection.
     */
    InputStream input();

    /**
     * Writes every remaining byte of the buffers, in order, in as few system calls as the socket allows (a single
     * gathering write when they fit in the send buffer). Each buffer's position ends at its limit. Concurrent
     * calls do not interleave.
     *
     * @throws DeadlineExceededException if a deadline passed on this connection
     */
    void write(ByteBuffer... buffers) throws IOException;

    /**
     * Arms a deadline on this connection: if it is not closed within {@code timeout}, the connection is closed,
     * and the operation blocked on it and every later one throw a {@link DeadlineExceededException}.
     *
     * @param timeout must be positive
     * @param phase what is guarded ("reading", "writing", "end-of-message", ...), for the exception's message
     */
    Deadline deadline(Duration timeout, String phase);

    /**
     * Has the data received next acknowledged at once rather than after the delayed-ACK timer (Linux's
     * {@code TCP_QUICKACK}); nothing for Unix-domain sockets or where the option is missing. The kernel drops back to
     * delayed ACKs by itself, so call it again before each read where it matters: a peer that writes two packets
     * one after the other without {@code TCP_NODELAY} (libmilter at end of message: a modification, then the
     * verdict) holds the second back until the first is acknowledged, about 40 ms on Linux.
     */
    void acknowledgePromptly();

    /** The other end as logs print it: the spec connected to, or the remote address of an accepted socket. */
    String peer();

    /** False once closed, by {@link #close()}, by an expired deadline or through the input stream. */
    boolean isOpen();

    /** Closes the socket. Idempotent, never blocks on other threads, and never throws. */
    @Override
    void close();
}
