package dev.miltermanager.milter;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.CommandCodec;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.PacketReader;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link Wire} without a socket, for session tests that must be exact: the MTA's side is a fixed script of
 * commands (the stream ends after them), and every {@code write} call is recorded as the list of responses it
 * carried. {@link #run} drives a session to the end on the calling thread.
 */
final class RecordingWire implements Wire {
    private final InputStream input;
    private final List<List<Response>> writes = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    RecordingWire(byte[] script) {
        this.input = new ByteArrayInputStream(script);
    }

    static RecordingWire of(Command... commands) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Command c : commands) {
            ByteBuffer frame = CommandCodec.encode(c);
            byte[] b = new byte[frame.remaining()];
            frame.get(b);
            bytes.writeBytes(b);
        }
        return new RecordingWire(bytes.toByteArray());
    }

    /** Runs a whole session over {@code commands} with the given spec and factory; returns the wire. */
    static RecordingWire run(MilterSpec spec, MilterFactory factory, Command... commands) {
        return run(new SessionSettings(spec, factory, Verdict.TEMPFAIL, Duration.ofSeconds(30)), commands);
    }

    static RecordingWire run(SessionSettings settings, Command... commands) {
        RecordingWire wire = of(commands);
        new MilterSession(wire, settings, s -> { }).run();
        return wire;
    }

    /** Each write call's responses, in order. */
    List<List<Response>> writes() {
        return writes;
    }

    /** Every response, flattened. */
    List<Response> responses() {
        return writes.stream().flatMap(List::stream).toList();
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public void write(ByteBuffer... frames) {
        List<Response> carried = new ArrayList<>();
        for (ByteBuffer frame : frames) {
            byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            try {
                Packet p = new PacketReader(new ByteArrayInputStream(bytes), Integer.MAX_VALUE).read();
                carried.add(ResponseCodec.decode(p));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        writes.add(List.copyOf(carried));
    }

    @Override
    public Guard deadline(Duration timeout, String phase) {
        return () -> { };
    }

    @Override
    public String peer() {
        return "test-mta";
    }

    @Override
    public void close() {
        closed = true;
    }
}
