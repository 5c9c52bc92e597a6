package dev.miltermanager.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.CommandCodec;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.PacketReader;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A test-side MTA: writes commands with {@link CommandCodec} on a real socket and reads the milter's answers with
 * {@link PacketReader} and {@link ResponseCodec} on a reader thread, recording which socket read delivered each
 * packet (to check that packets written together arrive together).
 */
final class MtaDriver implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);
    private static final Object END = new Object();

    /** One packet from the milter and the socket reads that carried its first and last byte. */
    record Received(Response response, int firstRead, int lastRead) {
    }

    private final SocketChannel channel;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final Thread reader;

    private MtaDriver(SocketChannel channel) {
        this.channel = channel;
        this.reader = Thread.ofVirtual().name("mta-driver-reader").start(this::readLoop);
    }

    static MtaDriver connect(SocketAddress address) throws IOException {
        SocketChannel channel = SocketChannel.open(address);
        if (address instanceof InetSocketAddress) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        return new MtaDriver(channel);
    }

    /** Writes the commands in one write. */
    MtaDriver send(Command... commands) {
        ByteBuffer[] frames = Arrays.stream(commands).map(CommandCodec::encode).toArray(ByteBuffer[]::new);
        return sendRaw(frames);
    }

    MtaDriver sendRaw(ByteBuffer... frames) {
        int total = Arrays.stream(frames).mapToInt(ByteBuffer::remaining).sum();
        ByteBuffer all = ByteBuffer.allocate(total);
        for (ByteBuffer f : frames) {
            all.put(f.duplicate());
        }
        all.flip();
        try {
            while (all.hasRemaining()) {
                channel.write(all);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Sends {@code O} and returns the milter's answer. */
    Response.Negotiate negotiate(int version, int actions, int protocol) {
        send(new Command.Negotiate(version, actions, protocol));
        return assertInstanceOf(Response.Negotiate.class, next());
    }

    /** The next packet, failing after {@link #WAIT}. */
    Response next() {
        return nextReceived().response();
    }

    Received nextReceived() {
        Object item = poll(WAIT);
        if (item == null) {
            fail("no answer from the milter within " + WAIT);
        }
        if (item == END) {
            fail("the milter closed the connection instead of answering");
        }
        return (Received) item;
    }

    /** Sends a command and returns the decision it got. */
    Response.Decision ask(Command command) {
        send(command);
        return assertInstanceOf(Response.Decision.class, next());
    }

    /** Packets up to and including the next decision. */
    List<Received> untilDecision() {
        List<Received> got = new ArrayList<>();
        Received r;
        do {
            r = nextReceived();
            got.add(r);
        } while (!(r.response() instanceof Response.Decision));
        return got;
    }

    /** Checks nothing arrives for a while (a command that must not be answered). */
    void assertSilent(Duration wait) {
        Object item = poll(wait);
        assertNull(item == END ? "connection closed" : item, "the milter answered when it must not");
    }

    /** Checks the milter closes the connection without sending anything more. */
    void assertClosedByMilter() {
        Object item = poll(WAIT);
        assertNotNull(item, "the milter did not close the connection within " + WAIT);
        assertEquals(END, item, "the milter answered instead of closing: " + item);
    }

    private Object poll(Duration wait) {
        try {
            return inbox.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private void readLoop() {
        ByteBuffer pending = ByteBuffer.allocate(4 * 1024 * 1024);
        ByteBuffer chunk = ByteBuffer.allocate(256 * 1024);
        int reads = 0;
        int frameStart = -1;
        try {
            while (true) {
                chunk.clear();
                if (channel.read(chunk) < 0) {
                    break;
                }
                reads++;
                if (frameStart < 0 && pending.position() == 0) {
                    frameStart = reads;
                }
                pending.put(chunk.flip());
                frameStart = drain(pending, frameStart, reads);
            }
        } catch (IOException e) {
            // closed by either side
        }
        inbox.add(END);
    }

    /** Decodes complete frames; returns the read that started the incomplete rest, or -1. */
    private int drain(ByteBuffer pending, int frameStart, int reads) throws IOException {
        pending.flip();
        while (pending.remaining() >= Packet.LENGTH_BYTES) {
            int length = pending.getInt(pending.position());
            if (pending.remaining() < Packet.LENGTH_BYTES + length) {
                break;
            }
            byte[] frame = new byte[Packet.LENGTH_BYTES + length];
            pending.get(frame);
            Packet packet = new PacketReader(new ByteArrayInputStream(frame), Integer.MAX_VALUE).read();
            inbox.add(new Received(ResponseCodec.decode(packet), frameStart, reads));
            frameStart = reads;
        }
        boolean rest = pending.hasRemaining();
        pending.compact();
        return rest ? frameStart : -1;
    }

    @Override
    public void close() {
        try {
            channel.close();
            reader.join(WAIT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
