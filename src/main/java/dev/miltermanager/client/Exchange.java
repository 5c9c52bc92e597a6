package dev.miltermanager.client;

import dev.miltermanager.protocol.MilterProtocolException;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.PacketReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Packets in and out of one link, each step under its deadline, with every failure turned into the
 * {@link MilterClientException} that names its cause. This is the client's one catch ladder for I/O; protocol rules
 * live in the caller. Not thread-safe, except {@link #closeLocally()}.
 */
final class Exchange {
    private final Link link;
    private final String milter;
    private final ClientOptions options;
    private final PacketReader reader;
    private volatile boolean closedLocally;

    Exchange(Link link, String milter, ClientOptions options) {
        this.link = link;
        this.milter = milter;
        this.options = options;
        this.reader = new PacketReader(link.input(), options.maxReplyDataBytes());
    }

    /** Writes the frames in one call under the write timeout. */
    void send(Phase phase, ByteBuffer... frames) {
        Link.Guard guard = link.arm(options.writeTimeout());
        String what = "could not write " + phase.label();
        try {
            link.write(frames);
        } catch (IOException | UncheckedIOException e) {
            throw failure(guard, phase, MilterTimeoutException.Kind.WRITE, options.writeTimeout(), what,
                    () -> new MilterIoException(milter, phase, what, ioCause(e)));
        } finally {
            guard.close();
        }
        if (guard.expired()) {
            throw timeout(phase, MilterTimeoutException.Kind.WRITE, options.writeTimeout(), what);
        }
    }

    /**
     * Reads one packet within {@code timeout}.
     *
     * @param awaiting what the packet should be, for messages ("reply to RCPT")
     */
    Packet receive(Phase phase, MilterTimeoutException.Kind kind, Duration timeout, String awaiting) {
        return receive(phase, kind, timeout, timeout, awaiting);
    }

    /**
     * Reads one packet within {@code left}, reporting {@code timeout} if it passes (for a timeout that started
     * before this read).
     */
    Packet receive(Phase phase, MilterTimeoutException.Kind kind, Duration left, Duration timeout, String awaiting) {
        Link.Guard guard = link.arm(left);
        String late = "no " + awaiting;
        Packet packet;
        try {
            packet = reader.read();
        } catch (MilterProtocolException e) {
            throw failure(guard, phase, kind, timeout, late, () -> violation(phase, e));
        } catch (EOFException e) {
            throw failure(guard, phase, kind, timeout, late, () -> new MilterClosedByPeerException(milter, phase,
                    "milter closed the connection inside a packet, expected " + awaiting + " ("
                    + Texts.describe(e) + ")"));
        } catch (IOException | UncheckedIOException e) {
            throw failure(guard, phase, kind, timeout, late,
                    () -> new MilterIoException(milter, phase, "reading " + awaiting + " failed", ioCause(e)));
        } finally {
            guard.close();
        }
        if (guard.expired()) {
            throw timeout(phase, kind, timeout, late);
        }
        if (packet == null) {
            throw failure(guard, phase, kind, timeout, late, () -> new MilterClosedByPeerException(milter, phase,
                    "milter closed the connection, expected " + awaiting));
        }
        return packet;
    }

    /** Whether received bytes are waiting to be read. */
    boolean hasPendingInput() {
        try {
            return link.input().available() > 0;
        } catch (IOException e) {
            return false; // the next read reports the problem
        }
    }

    /** Closes the link because the client was closed (not because of a failure). */
    void closeLocally() {
        closedLocally = true;
        link.close();
    }

    /** Closes the link after a failure. */
    void close() {
        link.close();
    }

    /** A failure wrapping a protocol error found by the caller. */
    MilterProtocolViolationException violation(Phase phase, MilterProtocolException e) {
        return new MilterProtocolViolationException(milter, phase, e);
    }

    /** The failure to report: a local close or a passed deadline explain any error; otherwise {@code other}. */
    private MilterClientException failure(Link.Guard guard, Phase phase, MilterTimeoutException.Kind kind,
            Duration timeout, String timeoutWhat, Supplier<MilterClientException> other) {
        if (closedLocally) {
            return new MilterClientClosedException(milter, phase, "client closed while busy", null);
        }
        if (guard.expired()) {
            return timeout(phase, kind, timeout, timeoutWhat);
        }
        return other.get();
    }

    private MilterTimeoutException timeout(Phase phase, MilterTimeoutException.Kind kind, Duration timeout,
            String what) {
        return new MilterTimeoutException(milter, phase, kind, timeout, what);
    }

    private static IOException ioCause(Exception e) {
        return e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
    }
}
