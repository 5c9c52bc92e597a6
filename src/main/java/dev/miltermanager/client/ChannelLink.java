package dev.miltermanager.client;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Link} over a blocking {@link SocketChannel}, with deadlines enforced by one shared daemon timer thread
 * that closes the channel. Stand-in until the transport layer's connection is merged.
 */
final class ChannelLink implements Link {
    private static final System.Logger LOG = System.getLogger(MilterClient.class.getName());
    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final SocketChannel channel;
    private final InputStream input;

    private ChannelLink(SocketChannel channel) {
        this.channel = channel;
        this.input = new BufferedInputStream(Channels.newInputStream(channel), 16 * 1024);
    }

    /**
     * Connects within {@code timeout}.
     *
     * @throws LinkTimeoutException if the timeout passed
     */
    static ChannelLink connect(SocketAddress address, Duration timeout) throws IOException {
        SocketChannel channel = address instanceof UnixDomainSocketAddress
                ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        ChannelLink link = new ChannelLink(channel);
        Guard guard = link.arm(timeout);
        try {
            channel.connect(address);
        } catch (IOException e) {
            link.close();
            if (guard.expired()) {
                throw new LinkTimeoutException();
            }
            throw e;
        } finally {
            guard.close();
        }
        if (guard.expired()) {
            throw new LinkTimeoutException();
        }
        if (channel.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        return link;
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public void write(ByteBuffer... buffers) throws IOException {
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
    }

    @Override
    public Guard arm(Duration timeout) {
        AtomicBoolean fired = new AtomicBoolean();
        ScheduledFuture<?> task = TIMER.schedule(() -> {
            fired.set(true);
            close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        return new Guard() {
            @Override
            public boolean expired() {
                return fired.get();
            }

            @Override
            public void close() {
                task.cancel(false);
            }
        };
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing a milter connection failed", e);
        }
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "milter-client-deadlines");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /** The connect deadline passed. */
    static final class LinkTimeoutException extends IOException {
        private static final long serialVersionUID = 1L;
    }
}
