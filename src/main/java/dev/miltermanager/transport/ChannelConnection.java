package dev.miltermanager.transport;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import jdk.net.ExtendedSocketOptions;

/** The {@link Connection} over a blocking {@link SocketChannel}. */
final class ChannelConnection implements Connection {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());

    private final SocketChannel channel;
    private final String peer;
    private final Watchdog watchdog;
    private final ChannelInputStream input;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final AtomicReference<Expiry> expiry = new AtomicReference<>();
    private final boolean quickAck;

    /** The first deadline that closed the connection. */
    private record Expiry(String phase, Duration timeout) {
    }

    ChannelConnection(SocketChannel channel, String peer, Watchdog watchdog) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.peer = Objects.requireNonNull(peer, "peer");
        this.watchdog = Objects.requireNonNull(watchdog, "watchdog");
        if (!channel.isBlocking()) {
            throw new IllegalArgumentException("the channel must be in blocking mode: " + peer);
        }
        if (!channel.isConnected()) {
            throw new IllegalArgumentException("the channel is not connected: " + peer);
        }
        Connector.setNoDelay(channel);
        this.quickAck = channel.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK);
        this.input = new ChannelInputStream(this, channel);
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public void write(ByteBuffer... buffers) throws IOException {
        writeLock.lock();
        try {
            int first = 0;
            while (true) {
                while (first < buffers.length && !buffers[first].hasRemaining()) {
                    first++;
                }
                if (first == buffers.length) {
                    return;
                }
                channel.write(buffers, first, buffers.length - first);
            }
        } catch (IOException e) {
            throw failure(e);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public Deadline deadline(Duration timeout, String phase) {
        return watchdog.arm(() -> expire(phase, timeout), timeout, phase);
    }

    @Override
    public void acknowledgePromptly() {
        if (quickAck) {
            try {
                channel.setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
            } catch (IOException e) {
                // the peer may be gone; the next read reports it
            }
        }
    }

    @Override
    public String peer() {
        return peer;
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "closing the connection to " + peer + " failed", e);
        }
    }

    @Override
    public String toString() {
        return "Connection[" + peer + (isOpen() ? "]" : ", closed]");
    }

    /**
     * The exception to throw for an I/O failure: a {@link DeadlineExceededException} if a deadline closed the
     * connection (thrown here), otherwise the failure itself (returned).
     */
    IOException failure(IOException e) {
        Expiry expired = expiry.get();
        if (expired != null) {
            throw new DeadlineExceededException(expired.phase(), expired.timeout(), peer, e);
        }
        return e;
    }

    private void expire(String phase, Duration timeout) {
        if (channel.isOpen()) {
            expiry.compareAndSet(null, new Expiry(phase, timeout));
        }
        close();
    }

    /** "inet:PORT@[ADDR]" for a TCP peer, "unix:PATH" (our end's path) for a Unix-domain one. */
    static String describePeer(SocketChannel channel) {
        try {
            SocketAddress remote = channel.getRemoteAddress();
            if (remote instanceof InetSocketAddress inet) {
                var family = inet.getAddress() instanceof Inet6Address
                        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
                return new ConnectionSpec.Inet(family, Optional.of(inet.getAddress().getHostAddress()),
                        inet.getPort()).toString();
            }
            if (channel.getLocalAddress() instanceof UnixDomainSocketAddress local
                    && !local.getPath().toString().isEmpty()) {
                return "unix:" + local.getPath();
            }
            if (remote instanceof UnixDomainSocketAddress unix && !unix.getPath().toString().isEmpty()) {
                return "unix:" + unix.getPath();
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "cannot describe the peer of " + channel, e);
        }
        return String.valueOf(channel);
    }
}
