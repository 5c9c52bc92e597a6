package dev.miltermanager.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.CommandCodec;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.PacketLimits;
import dev.miltermanager.protocol.PacketReader;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import dev.miltermanager.transport.Connection;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The MTA side for tests: writes raw commands to a fake milter and reads its packets, each step bounded. */
@SuppressWarnings("try") // deadlines guard the block without being referenced in it
final class RawMta implements AutoCloseable {
    static final Duration STEP = Duration.ofSeconds(5);
    /** What Postfix 3.x offers. */
    static final Command.Negotiate OFFER = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);

    private final Connection connection;
    private final PacketReader reader;

    private RawMta(Connection connection) {
        this.connection = connection;
        this.reader = new PacketReader(connection.input(), PacketLimits.DEFAULT_MILTER_DATA_BYTES);
    }

    static RawMta connect(FakeMilter milter) throws IOException {
        return connect(milter.connectionSpec());
    }

    static RawMta connect(ConnectionSpec spec) throws IOException {
        return new RawMta(Connection.connect(spec, STEP));
    }

    /** Sends the commands in one write. */
    RawMta send(Command... commands) throws IOException {
        ByteBuffer[] frames = new ByteBuffer[commands.length];
        for (int i = 0; i < commands.length; i++) {
            frames[i] = CommandCodec.encode(commands[i]);
        }
        try (Deadline d = connection.deadline(STEP, "writing")) {
            connection.write(frames);
        }
        return this;
    }

    RawMta sendRaw(byte[] bytes) throws IOException {
        try (Deadline d = connection.deadline(STEP, "writing")) {
            connection.write(ByteBuffer.wrap(bytes));
        }
        return this;
    }

    /** Sends Postfix's offer and returns the fake's answer. */
    Response.Negotiate negotiate() throws IOException {
        send(OFFER);
        return assertInstanceOf(Response.Negotiate.class, read());
    }

    /** Sends one command and reads one response. */
    Response exchange(Command command) throws IOException {
        send(command);
        return read();
    }

    /** Reads the next packet, or {@code null} at the end of the stream. */
    Packet readPacket() throws IOException {
        try (Deadline d = connection.deadline(STEP, "reading")) {
            return reader.read();
        }
    }

    Response read() throws IOException {
        Packet packet = readPacket();
        if (packet == null) {
            throw new AssertionError("the fake milter closed the connection instead of replying");
        }
        return ResponseCodec.decode(packet);
    }

    /** Reads {@code count} responses. */
    List<Response> read(int count) throws IOException {
        List<Response> responses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            responses.add(read());
        }
        return responses;
    }

    /** Asserts the fake closes the connection without sending anything more. */
    void assertClosedByFake() throws IOException {
        assertEquals(null, readPacket(), "the fake milter should have closed the connection");
    }

    /** The bytes that came in with the next receive: one byte is read, then what is already buffered. */
    byte[] readOneReceive() throws IOException {
        InputStream in = connection.input();
        try (Deadline d = connection.deadline(STEP, "reading")) {
            int first = in.read();
            if (first < 0) {
                return new byte[0];
            }
            byte[] rest = in.readNBytes(in.available());
            byte[] all = new byte[rest.length + 1];
            all[0] = (byte) first;
            System.arraycopy(rest, 0, all, 1, rest.length);
            return all;
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
