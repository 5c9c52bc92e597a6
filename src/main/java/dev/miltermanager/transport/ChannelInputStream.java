package dev.miltermanager.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.Objects;

/**
 * A buffered {@link InputStream} over a blocking channel. Not thread-safe: one reader at a time. Failures go
 * through the owning connection, which turns those caused by an expired deadline into timeouts.
 */
final class ChannelInputStream extends InputStream {
    static final int BUFFER_BYTES = 16 * 1024;

    private final ChannelConnection owner;
    private final SocketChannel channel;
    /** Between position and limit: received bytes not yet handed out. */
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).flip();
    /** Only for {@link #available()}: the JDK's stream over a socket channel asks the socket how much is waiting. */
    private final InputStream socketBacklog;

    ChannelInputStream(ChannelConnection owner, SocketChannel channel) {
        this.owner = owner;
        this.channel = channel;
        this.socketBacklog = Channels.newInputStream(channel);
    }

    @Override
    public int read() throws IOException {
        if (!buffer.hasRemaining() && fill() < 0) {
            return -1;
        }
        return buffer.get() & 0xFF;
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, into.length);
        if (length == 0) {
            return 0;
        }
        if (!buffer.hasRemaining()) {
            if (length >= buffer.capacity()) {
                return readChannel(ByteBuffer.wrap(into, offset, length)); // large reads skip the extra copy
            }
            if (fill() < 0) {
                return -1;
            }
        }
        int n = Math.min(length, buffer.remaining());
        buffer.get(into, offset, n);
        return n;
    }

    /**
     * The bytes readable without blocking: those buffered plus those already received by the socket. A client
     * uses it to notice a packet the peer sent although nothing asked for it.
     */
    @Override
    public int available() {
        int waiting = 0;
        if (channel.isOpen()) {
            try {
                waiting = socketBacklog.available();
            } catch (IOException e) {
                waiting = 0; // the next read reports the problem
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, (long) buffer.remaining() + waiting);
    }

    @Override
    public void close() {
        owner.close();
    }

    private int fill() throws IOException {
        buffer.clear();
        try {
            return readChannel(buffer);
        } finally {
            buffer.flip();
        }
    }

    private int readChannel(ByteBuffer into) throws IOException {
        try {
            return channel.read(into);
        } catch (IOException e) {
            throw owner.failure(e);
        }
    }
}
