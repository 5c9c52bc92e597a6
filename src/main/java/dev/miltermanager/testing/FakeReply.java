package dev.miltermanager.testing;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link FakeMilter} does with one command: send responses, send raw bytes, close the connection, or stay
 * silent, optionally after a delay during which it may send progress packets. Immutable and thread-safe; the
 * constants and factories are meant for static import.
 * {@snippet :
 * import static dev.miltermanager.testing.FakeReply.*;
 *
 * REJECT                                                    // 'r'
 * replyCode("550 5.7.1 go away")                            // 'y'
 * ACCEPT.after(Duration.ofSeconds(2))                       // wait, then 'a'
 * CONTINUE.after(Duration.ofSeconds(1)).progressEvery(Duration.ofMillis(200)) // four 'p', then 'c'
 * CLOSE                                                     // hang up without a word
 * packet('Z', new byte[0])                                  // an unknown response code
 * }
 *
 * <p>Responses are suppressed for a stage the fake negotiated as "no reply" ({@code NR_*}) unless the fake was
 * told to {@linkplain FakeMilter.Builder#lieAboutNoReply() lie}; the delay, raw bytes and closing are not
 * responses and always happen.
 */
public final class FakeReply {
    /** {@code c}: continue (at end of message: accept). */
    public static final FakeReply CONTINUE = of(new Response.Continue());
    /** {@code a}: accept. */
    public static final FakeReply ACCEPT = of(new Response.Accept());
    /** {@code r}: reject. */
    public static final FakeReply REJECT = of(new Response.Reject());
    /** {@code t}: temporary failure. */
    public static final FakeReply TEMPFAIL = of(new Response.TempFail());
    /** {@code d}: discard. */
    public static final FakeReply DISCARD = of(new Response.Discard());
    /** {@code s}: skip the rest of the body. */
    public static final FakeReply SKIP = of(new Response.Skip());
    /** Close the connection without replying, as a crashing milter does. */
    public static final FakeReply CLOSE = new FakeReply(Kind.CLOSE, List.of(), null, Duration.ZERO, null);
    /** Send nothing and read on: the peer waits for a reply that never comes. */
    public static final FakeReply SILENCE = new FakeReply(Kind.SILENCE, List.of(), null, Duration.ZERO, null);

    private static final HexFormat HEX = HexFormat.ofDelimiter(":");
    private static final int SHOWN_RAW_BYTES = 32;

    enum Kind { RESPOND, RAW, CLOSE, SILENCE }

    private final Kind kind;
    private final List<Response> responses;
    private final byte[] raw;
    private final Duration delay;
    private final Duration progressInterval;

    private FakeReply(Kind kind, List<Response> responses, byte[] raw, Duration delay, Duration progressInterval) {
        this.kind = kind;
        this.responses = responses;
        this.raw = raw;
        this.delay = delay;
        this.progressInterval = progressInterval;
    }

    /** Sends these responses in one write, in order (any responses: a modification at RCPT is allowed too). */
    public static FakeReply of(Response... responses) {
        List<Response> list = List.of(responses);
        if (list.isEmpty()) {
            throw new IllegalArgumentException("a reply needs at least one response; use SILENCE to send none");
        }
        return new FakeReply(Kind.RESPOND, list, null, Duration.ZERO, null);
    }

    /**
     * {@code y}: a reply code, such as {@code "550 5.7.1 not here"} or a multi-line wire form.
     *
     * @throws SmtpReply.InvalidReplyException if the text is not a valid SMTP reply
     */
    public static FakeReply replyCode(String reply) {
        return of(new Response.ReplyCode(SmtpReply.parse(reply)));
    }

    /** Sends these bytes exactly as given instead of a reply: a broken frame, half a packet, anything. */
    public static FakeReply raw(byte[] bytes) {
        return new FakeReply(Kind.RAW, List.of(), bytes.clone(), Duration.ZERO, null);
    }

    /** Sends one well-framed packet with any code and data, such as a code no peer knows. */
    public static FakeReply packet(char code, byte[] data) {
        if (code > 0xFF) {
            throw new IllegalArgumentException("a packet code is one byte");
        }
        byte[] frame = new byte[5 + data.length];
        int length = data.length + 1;
        frame[0] = (byte) (length >>> 24);
        frame[1] = (byte) (length >>> 16);
        frame[2] = (byte) (length >>> 8);
        frame[3] = (byte) length;
        frame[4] = (byte) code;
        System.arraycopy(data, 0, frame, 5, data.length);
        return new FakeReply(Kind.RAW, List.of(), frame, Duration.ZERO, null);
    }

    /** A frame whose length prefix is 0, which no reader can accept (there is no room for a code byte). */
    public static FakeReply garbage() {
        return raw(new byte[] {0, 0, 0, 0, 'x', 'y', 'z'});
    }

    /** The same reply, sent (or carried out) only after {@code delay}. */
    public FakeReply after(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("the delay must not be negative: " + delay);
        }
        return new FakeReply(kind, responses, raw, delay, progressInterval);
    }

    /**
     * The same reply, with a progress packet ({@code p}) at every multiple of {@code interval} that falls within
     * the {@linkplain #after(Duration) delay}: a delay of 1 s with an interval of 200 ms sends exactly four.
     */
    public FakeReply progressEvery(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the progress interval must be positive: " + interval);
        }
        return new FakeReply(kind, responses, raw, delay, interval);
    }

    /** The delay before the reply; zero by default. */
    public Duration delay() {
        return delay;
    }

    /** The responses this reply sends; empty for raw bytes, closing and silence. */
    public List<Response> responses() {
        return responses;
    }

    Kind kind() {
        return kind;
    }

    byte[] rawBytes() {
        return raw;
    }

    Duration progressInterval() {
        return progressInterval;
    }

    /** The number of progress packets sent before the reply. */
    int progressCount() {
        if (progressInterval == null) {
            return 0;
        }
        long count = delay.toNanos() / progressInterval.toNanos();
        boolean endsOnTheDelay = delay.toNanos() % progressInterval.toNanos() == 0;
        return (int) Math.min(Integer.MAX_VALUE, endsOnTheDelay ? Math.max(0, count - 1) : count);
    }

    @Override
    public String toString() {
        String what = switch (kind) {
            case RESPOND -> responses.toString();
            case RAW -> "raw[" + HEX.formatHex(raw, 0, Math.min(raw.length, SHOWN_RAW_BYTES))
                    + (raw.length > SHOWN_RAW_BYTES ? ":... (" + raw.length + " bytes)]" : "]");
            case CLOSE -> "close";
            case SILENCE -> "silence";
        };
        return what + (delay.isZero() ? "" : " after " + delay)
                + (progressInterval == null ? "" : " with progress every " + progressInterval);
    }
}
