package dev.miltermanager.transport;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SocketChannel;

/**
 * A listening socket for a {@link ConnectionSpec}: TCP on IPv4 or IPv6, or a Unix-domain socket file.
 *
 * <p>For Unix specs, opening checks the socket's directory exists, looks up the configured group, deals with a
 * file already at the path (a stale socket is removed if {@link ListenOptions#removeUnixSocketOnCreate()}; a
 * socket something still accepts on is "already in use"; a file that is not a socket is never removed), binds,
 * then sets the file's mode and group. Closing removes the file if {@link ListenOptions#removeUnixSocketOnClose()}
 * and it is still the one this listener created. Whether an existing socket is stale is found by connecting to
 * it: a live listener there sees one connection that closes without sending anything.
 * {@snippet :
 * try (Listener listener = Listener.open(ConnectionSpec.parse("inet:0@[127.0.0.1]"), ListenOptions.DEFAULTS)) {
 *     ConnectionSpec bound = listener.localSpec(); // inet:41234@[127.0.0.1]
 *     Connection connection = Connection.of(listener.accept());
 * }
 * }
 *
 * <p>Thread-safe: several threads may block in {@link #accept()}; {@link #close()} from any thread makes them
 * fail with an {@link java.nio.channels.AsynchronousCloseException}.
 */
public interface Listener extends Closeable {

    /** Listens with {@link ListenOptions#DEFAULTS}. */
    static Listener open(ConnectionSpec spec) throws IOException {
        return open(spec, ListenOptions.DEFAULTS);
    }

    /**
     * Binds and starts listening.
     *
     * @throws java.net.BindException if the address or socket file is in use (the message names the spec)
     * @throws java.nio.file.NoSuchFileException if a Unix socket's directory does not exist
     * @throws java.nio.file.FileAlreadyExistsException if a file that is not a socket sits at the Unix path
     * @throws IOException for other failures, with a message that names the spec; a Unix socket group that does
     *     not exist is reported this way before anything is created, with a
     *     {@link java.nio.file.attribute.UserPrincipalNotFoundException} as the cause
     */
    static Listener open(ConnectionSpec spec, ListenOptions options) throws IOException {
        return ChannelListener.open(spec, options);
    }

    /**
     * Waits for the next connection. TCP connections come with {@code TCP_NODELAY} set; the channel is in
     * blocking mode, ready for {@link Connection#of}.
     *
     * @throws java.nio.channels.AsynchronousCloseException if the listener is closed while waiting
     * @throws java.nio.channels.ClosedChannelException if it was already closed
     */
    SocketChannel accept() throws IOException;

    /** The spec actually bound: the given one, with the real port when port 0 was asked. */
    ConnectionSpec localSpec();

    /** False once closed. */
    boolean isOpen();

    /** Stops listening and removes the Unix socket file if so configured. Idempotent; never throws. */
    @Override
    void close();
}
