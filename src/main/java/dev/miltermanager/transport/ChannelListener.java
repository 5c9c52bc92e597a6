package dev.miltermanager.transport;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/** The {@link Listener} over a blocking {@link ServerSocketChannel}. */
final class ChannelListener implements Listener {
    private static final System.Logger LOG = System.getLogger(Listener.class.getName());

    private final ServerSocketChannel server;
    private final ConnectionSpec localSpec;
    private final UnixSocketFile socketFile; // null for TCP
    private final AtomicBoolean closed = new AtomicBoolean();

    private ChannelListener(ServerSocketChannel server, ConnectionSpec localSpec, UnixSocketFile socketFile) {
        this.server = server;
        this.localSpec = localSpec;
        this.socketFile = socketFile;
    }

    static Listener open(ConnectionSpec spec, ListenOptions options) throws IOException {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(options, "options");
        return switch (spec) {
            case ConnectionSpec.Inet inet -> openInet(inet, options);
            case ConnectionSpec.Unix unix -> openUnix(unix, options);
        };
    }

    private static Listener openInet(ConnectionSpec.Inet spec, ListenOptions options) throws IOException {
        InetSocketAddress address = spec.toSocketAddress();
        ServerSocketChannel server = ServerSocketChannel.open(spec.family());
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true); // restart while old connections linger
            bind(server, spec, address, options);
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            ConnectionSpec.Inet local = spec.withPort(port);
            LOG.log(Level.DEBUG, () -> "listening on " + local);
            return new ChannelListener(server, local, null);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private static Listener openUnix(ConnectionSpec.Unix spec, ListenOptions options) throws IOException {
        UnixSocketFile socketFile = new UnixSocketFile(spec, options);
        socketFile.prepare();
        ServerSocketChannel server = ServerSocketChannel.open(spec.family());
        try {
            bind(server, spec, spec.toSocketAddress(), options);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        try {
            socketFile.configure();
        } catch (IOException | RuntimeException e) {
            server.close();
            socketFile.remove(true);
            throw new IOException("cannot set the mode or group of the socket " + spec + ": " + e.getMessage(), e);
        }
        LOG.log(Level.DEBUG, () -> "listening on " + spec);
        return new ChannelListener(server, spec, socketFile);
    }

    private static void bind(ServerSocketChannel server, ConnectionSpec spec, SocketAddress address,
                             ListenOptions options) throws IOException {
        try {
            server.bind(address, options.backlog());
        } catch (BindException e) {
            BindException named = new BindException("cannot listen on " + spec + ": " + e.getMessage());
            named.initCause(e);
            throw named;
        } catch (IOException e) {
            throw new IOException("cannot listen on " + spec + ": " + e.getMessage(), e);
        }
    }

    @Override
    public SocketChannel accept() throws IOException {
        SocketChannel channel = server.accept();
        Connector.setNoDelay(channel);
        return channel;
    }

    @Override
    public ConnectionSpec localSpec() {
        return localSpec;
    }

    @Override
    public boolean isOpen() {
        return server.isOpen();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "closing the listener on " + localSpec + " failed", e);
        }
        if (socketFile != null) {
            socketFile.remove(false);
        }
    }

    @Override
    public String toString() {
        return "Listener[" + localSpec + (isOpen() ? "]" : ", closed]");
    }
}
