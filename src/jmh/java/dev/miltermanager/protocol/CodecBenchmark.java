package dev.miltermanager.protocol;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Encode and decode cost of three typical wire loads, each next to a baseline that copies the same frame bytes
 * into a fresh {@link ByteBuffer}. Compare a figure with its own baseline from the same run: the ratio says how
 * much the codec adds over the bare minimum of moving the bytes, and holds up on a noisy machine where the
 * absolute figures do not.
 *
 * <ul>
 *   <li>{@code smallCommand}: an {@code R} with one ESMTP argument, the most frequent kind of packet.</li>
 *   <li>{@code bodyChunk}: a {@code B} with a full 65535-byte chunk of body text.</li>
 *   <li>{@code eomReplies}: the answer to end of message, header edits, a recipient change and a final continue,
 *       written with {@link ResponseCodec#encodeAll} and read back frame by frame through {@link PacketReader}.</li>
 * </ul>
 *
 * Decoding always starts from the wire bytes, through a {@link PacketReader} as a session reads them. See
 * {@code docs/benchmarks.md} for how to run it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    private Command smallCommand;
    private byte[] smallFrame;

    private Command bodyCommand;
    private byte[] bodyFrame;

    private List<Response> eomReplies;
    private byte[] eomFrames;

    @Setup
    public void setUp() {
        smallCommand = new Command.Recipient("<bob@example.net>", List.of("NOTIFY=SUCCESS,FAILURE"));
        smallFrame = frame(CommandCodec.encode(smallCommand));

        bodyCommand = Command.Body.of(bodyText(PacketLimits.CHUNK_BYTES));
        bodyFrame = frame(CommandCodec.encode(bodyCommand));

        eomReplies = List.of(
                new Response.InsertHeader(0, "X-Spam-Status", "No, score=-0.1 required=5.0 tests=NONE"),
                new Response.AddHeader("X-Virus-Scanned", "clean at mx.example.org"),
                new Response.ChangeHeader(1, "Subject", "[tagged] Quarterly report"),
                new Response.ChangeHeader(2, "Received", ""),
                new Response.DeleteRecipient("<bob@example.net>"),
                new Response.AddRecipientWithArgs("<archive@example.org>", "NOTIFY=NEVER"),
                new Response.Continue());
        eomFrames = frame(ResponseCodec.encodeAll(eomReplies));
    }

    // ---- a small command

    @Benchmark
    public ByteBuffer smallCommandCopyBaseline() {
        return copy(smallFrame);
    }

    @Benchmark
    public ByteBuffer smallCommandEncode() {
        return CommandCodec.encode(smallCommand);
    }

    @Benchmark
    public Command smallCommandDecode() throws IOException {
        return CommandCodec.decode(reader(smallFrame).read());
    }

    // ---- a 64 KiB body chunk

    @Benchmark
    public ByteBuffer bodyChunkCopyBaseline() {
        return copy(bodyFrame);
    }

    @Benchmark
    public ByteBuffer bodyChunkEncode() {
        return CommandCodec.encode(bodyCommand);
    }

    @Benchmark
    public Command bodyChunkDecode() throws IOException {
        return CommandCodec.decode(reader(bodyFrame).read());
    }

    // ---- the replies to end of message

    @Benchmark
    public ByteBuffer eomRepliesCopyBaseline() {
        return copy(eomFrames);
    }

    @Benchmark
    public ByteBuffer eomRepliesEncode() {
        return ResponseCodec.encodeAll(eomReplies);
    }

    @Benchmark
    public void eomRepliesDecode(Blackhole sink) throws IOException {
        PacketReader in = reader(eomFrames);
        for (Packet p = in.read(); p != null; p = in.read()) {
            sink.consume(ResponseCodec.decode(p));
        }
    }

    private static PacketReader reader(byte[] frames) {
        return new PacketReader(new ByteArrayInputStream(frames), PacketLimits.DEFAULT_MILTER_DATA_BYTES);
    }

    /** The least any encoder or decoder of these bytes must do: allocate a buffer and copy them in. */
    private static ByteBuffer copy(byte[] frame) {
        return ByteBuffer.allocate(frame.length).put(ByteBuffer.wrap(frame)).flip();
    }

    private static byte[] frame(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** Mail-like text: 76-character lines ending in CRLF, cut to {@code size} bytes. */
    private static byte[] bodyText(int size) {
        String line = "The quick brown fox jumps over the lazy dog; 0123456789 etaoin shrdlu cmfwyp\r\n";
        return line.repeat(size / line.length() + 1).substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }
}
