package dev.miltermanager.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connection's input that can notice the peer hanging up while the fake is waiting to reply. During a wait, a
 * helper thread reads the next byte ahead; end of stream or a failure ends the wait early, and a byte that arrives
 * is handed to the next read, so nothing is lost. Used by one conversation thread; the helper only ever runs
 * while that thread waits for it.
 */
final class WatchedInput extends InputStream {
    private final InputStream in;
    private final ThreadFactory threads;
    /** The byte read ahead (or -1, or the failure), while a read-ahead is pending or unconsumed. */
    private CompletableFuture<Integer> ahead;

    WatchedInput(InputStream in, ThreadFactory threads) {
        this.in = in;
        this.threads = threads;
    }

    /**
     * Waits until {@code deadlineNanos} (a {@link System#nanoTime()} value), or less if the peer hangs up.
     *
     * @return true if the peer closed the connection (or it failed) before the deadline
     */
    boolean peerGoneBefore(long deadlineNanos) throws InterruptedException {
        if (ahead == null) {
            CompletableFuture<Integer> future = new CompletableFuture<>();
            ahead = future;
            threads.newThread(() -> readAhead(future)).start();
        }
        while (true) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            if (ahead.isDone()) {
                if (ahead.isCompletedExceptionally() || ahead.join() < 0) {
                    return true;
                }
                // the peer sent more while we wait; it is kept for the next read
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(remaining), (int) (remaining % 1_000_000));
                return false;
            }
            try {
                ahead.get(remaining, TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // looked at on the next turn
            }
        }
    }

    private void readAhead(CompletableFuture<Integer> future) {
        try {
            future.complete(in.read());
        } catch (IOException | RuntimeException e) {
            future.completeExceptionally(e);
        }
    }

    @Override
    public int read() throws IOException {
        if (ahead == null) {
            return in.read();
        }
        CompletableFuture<Integer> taken = ahead;
        ahead = null;
        try {
            return taken.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new UncheckedIOException(new IOException(e.getCause()));
        }
    }

    @Override
    public int read(byte[] into, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, into.length);
        if (length == 0) {
            return 0;
        }
        if (ahead == null) {
            return in.read(into, offset, length);
        }
        int first = read();
        if (first < 0) {
            return -1;
        }
        into[offset] = (byte) first;
        return 1;
    }

    @Override
    public int available() throws IOException {
        return ahead == null ? in.available() : 0;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
