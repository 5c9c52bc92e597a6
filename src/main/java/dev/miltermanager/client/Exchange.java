package dev.miltermanager.client;

import dev.miltermanager.protocol.MilterProtocolException;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.PacketReader;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import dev.miltermanager.protocol.Stage;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Packets in and out of one link, each step under its deadline, with every failure turned into the
 * {@link MilterClientException} that names its cause: the client's one catch ladder for I/O. Also decodes replies and
 * applies the rules for event replies ({@link ReplyRules}). Not thread-safe, except {@link #closeLocally()}.
 */
final class Exchange {
    private static final System.Logger LOG = System.getLogger(MilterClient.class.getName());
    /** Progress read while awaiting an event's verdict; read by other threads through the client. */
    private final AtomicLong eventProgress = new AtomicLong();

    /** The least time a posted reply gets to be read when it is awaited after its read timeout passed. */
    static final Duration LATE_READ_GRACE = Duration.ofMillis(20);

    /** "reply to RCPT" and so on, for messages, made once rather than at every read. */
    private static final Map<Stage, String> REPLY_TO = new EnumMap<>(Stage.class);

    static {
        for (Stage stage : Stage.values()) {
            REPLY_TO.put(stage, "reply to " + stage);
        }
    }

    private final Link link;
    private final String milter;
    private final ClientOptions options;
    private final PacketReader reader;
    private volatile boolean closedLocally;
    /**
     * Why a packet arriving now would be unsolicited, for the message; null once the reply to the last command was
     * read (then {@link #checkNothingPending} does not ask the socket).
     */
    private String noReplyOwed = "no command was sent yet";

    Exchange(Link link, String milter, ClientOptions options) {
        this.link = link;
        this.milter = milter;
        this.options = options;
        this.reader = new PacketReader(link.input(), options.maxReplyDataBytes());
    }

    /** Writes the frames in one call under the write timeout. */
    void send(Phase phase, ByteBuffer... frames) {
        Link.Guard guard = link.arm(options.writeTimeout());
        try {
            link.write(frames);
        } catch (IOException | UncheckedIOException e) {
            String what = "could not write " + phase.label();
            throw failure(guard, phase, MilterTimeoutException.Kind.WRITE, options.writeTimeout(), what,
                    () -> new MilterIoException(milter, phase, what, ioCause(e)));
        } finally {
            guard.close();
        }
        if (guard.expired()) {
            throw timeout(phase, MilterTimeoutException.Kind.WRITE, options.writeTimeout(),
                    "could not write " + phase.label());
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
        Packet packet;
        try {
            packet = reader.read();
        } catch (MilterProtocolException e) {
            throw failure(guard, phase, kind, timeout, "no " + awaiting, () -> violation(phase, e));
        } catch (EOFException e) {
            throw failure(guard, phase, kind, timeout, "no " + awaiting, () -> new MilterClosedByPeerException(
                    milter, phase, "milter closed the connection inside a packet, expected " + awaiting + " ("
                    + Texts.describe(e) + ")"));
        } catch (IOException | UncheckedIOException e) {
            throw failure(guard, phase, kind, timeout, "no " + awaiting,
                    () -> new MilterIoException(milter, phase, "reading " + awaiting + " failed", ioCause(e)));
        } finally {
            guard.close();
        }
        if (guard.expired()) {
            throw timeout(phase, kind, timeout, "no " + awaiting);
        }
        if (packet == null) {
            throw failure(guard, phase, kind, timeout, "no " + awaiting, () -> new MilterClosedByPeerException(
                    milter, phase, "milter closed the connection, expected " + awaiting));
        }
        noReplyOwed = null;
        return packet;
    }

    /** {@link #receive} and decode. */
    Response receiveResponse(Phase phase, MilterTimeoutException.Kind kind, Duration left, Duration timeout,
            String awaiting) {
        Packet packet = receive(phase, kind, left, timeout, awaiting);
        try {
            Response response = ResponseCodec.decode(packet);
            LOG.log(Level.TRACE, () -> "milter " + milter + ", " + phase.label() + ": received " + response);
            return response;
        } catch (MilterProtocolException e) {
            throw violation(phase, e);
        }
    }

    /** When the read timeout of a reply due from now passes, in {@link System#nanoTime()} terms. */
    long readDeadline() {
        return System.nanoTime() + options.readTimeout().toNanos();
    }

    /**
     * Reads the verdict on an event by {@code deadline} (from {@link #readDeadline()} when the event was written);
     * progress restarts the read timeout. A reply read after the deadline (its event posted before others were
     * awaited) still gets {@link #LATE_READ_GRACE} to be read, since it may have arrived in time.
     */
    Response.Decision awaitDecision(Stage stage, long deadline) {
        Phase phase = Phase.of(stage);
        while (true) {
            long left = Math.max(deadline - System.nanoTime(), LATE_READ_GRACE.toNanos());
            Response response = receiveResponse(phase, MilterTimeoutException.Kind.READ, Duration.ofNanos(left),
                    options.readTimeout(), REPLY_TO.get(stage));
            if (response instanceof Response.Progress) {
                eventProgress.incrementAndGet();
                deadline = readDeadline();
                continue;
            }
            try {
                return ReplyRules.eventDecision(stage, response);
            } catch (MilterProtocolException e) {
                throw violation(phase, e);
            }
        }
    }

    /** Progress packets received so far while awaiting the verdict on an event other than end of message. */
    long eventProgress() {
        return eventProgress.get();
    }

    /** Has the data received next acknowledged at once, for a milter that may be waiting for our ACK. */
    void acknowledgePromptly() {
        link.acknowledgePromptly();
    }

    /** Records that the last command sent takes no reply, and why, for {@link #checkNothingPending}. */
    void noReplyOwed(String why) {
        noReplyOwed = why;
    }

    /**
     * Fails if the milter sent something no command asked for (a reply after an {@code NR_*} event, ABORT or K).
     * Called before each command is sent; asks the socket only when the last command took no reply (after a reply
     * was read, the check would cost a system call per command for a case the protocol has no name for).
     */
    void checkNothingPending(Phase phase) {
        if (noReplyOwed == null || !hasPendingInput()) {
            return;
        }
        String why = noReplyOwed;
        Packet packet = receive(phase, MilterTimeoutException.Kind.READ, options.readTimeout(),
                "rest of an unsolicited packet");
        throw violation(phase, new MilterProtocolException("milter sent packet "
                + Packet.describeCode(packet.code()) + " although no reply was due (" + why + ")"));
    }

    /** Whether received bytes are waiting to be read. */
    private boolean hasPendingInput() {
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
