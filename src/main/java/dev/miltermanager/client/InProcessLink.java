package dev.miltermanager.client;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.CommandCodec;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Link} to an {@link InProcessMilter}: written frames are decoded and handed to it, its responses are
 * encoded into the bytes the client reads. The client's protocol logic therefore runs unchanged (negotiation
 * checks, no-reply flags, violations). A read waits for bytes until the armed deadline passes, which then closes
 * the link as a socket deadline would.
 */
final class InProcessLink implements Link {
    private final InProcessMilter milter;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();
    private final ByteArrayOutputStream pendingFrames = new ByteArrayOutputStream();
    private byte[] incoming = new byte[0];
    private int readPosition;
    private boolean closed;
    private long deadlineNanos = Long.MAX_VALUE;
    private boolean deadlinePassed;
    private final InputStream input = new Input();

    InProcessLink(InProcessMilter milter) {
        this.milter = milter;
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public void write(ByteBuffer... buffers) throws IOException {
        for (ByteBuffer buffer : buffers) {
            ByteBuffer view = buffer.duplicate();
            byte[] bytes = new byte[view.remaining()];
            view.get(bytes);
            buffer.position(buffer.limit());
            pendingFrames.write(bytes);
        }
        for (Command command : completeCommands()) {
            try {
                milter.handle(command, this::deliver);
            } catch (RuntimeException e) {
                close();
                throw new IOException("the in-process milter failed on " + command + ": " + e, e);
            }
        }
    }

    /** Decodes every complete frame written so far and keeps the rest for the next write. */
    private List<Command> completeCommands() throws IOException {
        ensureOpen();
        ByteBuffer all = ByteBuffer.wrap(pendingFrames.toByteArray());
        ArrayList<Command> commands = new ArrayList<>();
        while (all.remaining() >= Packet.LENGTH_BYTES) {
            int length = all.getInt(all.position());
            if (all.remaining() - Packet.LENGTH_BYTES < length) {
                break;
            }
            all.position(all.position() + Packet.LENGTH_BYTES);
            char code = (char) (all.get() & 0xFF);
            byte[] data = new byte[length - 1];
            all.get(data);
            commands.add(CommandCodec.decode(Packet.of(code, data)));
        }
        pendingFrames.reset();
        pendingFrames.write(all.array(), all.position(), all.remaining());
        return commands;
    }

    private void deliver(List<Response> responses) {
        ByteBuffer encoded = ResponseCodec.encodeAll(responses);
        lock.lock();
        try {
            byte[] merged = new byte[incoming.length - readPosition + encoded.remaining()];
            System.arraycopy(incoming, readPosition, merged, 0, incoming.length - readPosition);
            encoded.get(merged, incoming.length - readPosition, encoded.remaining());
            incoming = merged;
            readPosition = 0;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IOException("in-process link closed");
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void acknowledgePromptly() {
        // nothing to acknowledge without a socket
    }

    @Override
    public Guard arm(Duration timeout) {
        lock.lock();
        try {
            deadlineNanos = System.nanoTime() + timeout.toNanos();
            deadlinePassed = false;
        } finally {
            lock.unlock();
        }
        return new Guard() {
            @Override
            public boolean expired() {
                lock.lock();
                try {
                    return deadlinePassed;
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void close() {
                lock.lock();
                try {
                    deadlineNanos = Long.MAX_VALUE;
                } finally {
                    lock.unlock();
                }
            }
        };
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Reads what the milter answered; waits (bounded by the armed deadline) while nothing is there. */
    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            lock.lock();
            try {
                while (readPosition >= incoming.length) {
                    if (closed) {
                        return -1;
                    }
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) {
                        deadlinePassed = true;
                        closed = true;
                        return -1;
                    }
                    readable.await(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
                }
                int n = Math.min(length, incoming.length - readPosition);
                System.arraycopy(incoming, readPosition, buffer, offset, n);
                readPosition += n;
                return n;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the in-process milter", e);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return incoming.length - readPosition;
            } finally {
                lock.unlock();
            }
        }
    }
}
