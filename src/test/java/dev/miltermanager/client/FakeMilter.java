package dev.miltermanager.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.CommandCodec;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.PacketReader;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.ResponseCodec;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A scripted milter for tests: listens on loopback TCP port 0 or a Unix socket, accepts one connection and runs a
 * script against it on its own thread, speaking raw packets, so it can also misbehave. Script, run, verify:
 * {@snippet :
 * try (FakeMilter milter = FakeMilter.tcp(peer -> {
 *     peer.negotiate(new Response.Negotiate(6, 0, 0));
 *     peer.expect('H');
 *     peer.reply(new Response.Continue());
 * })) {
 *     MilterClient client = milter.connect(ClientOptions.DEFAULTS);
 *     ...
 *     milter.awaitScript(); // rethrows the script's assertion failures
 * }
 * }
 */
final class FakeMilter implements AutoCloseable {
    /** The script's side of the connection. */
    interface Script {
        void run(Peer peer) throws Exception;
    }

    private final ServerSocketChannel server;
    private final String spec;
    private final Thread thread;
    private final List<Packet> received = new CopyOnWriteArrayList<>();
    private volatile SocketChannel channel;
    private volatile Throwable failure;
    private volatile boolean awaited;
    private volatile boolean closing;

    private FakeMilter(ServerSocketChannel server, String spec, Script script) {
        this.server = server;
        this.spec = spec;
        this.thread = Thread.ofVirtual().name("fake-milter").unstarted(() -> serve(script));
        thread.start();
    }

    /** A fake milter on loopback TCP, port 0. */
    static FakeMilter tcp(Script script) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        return new FakeMilter(server, "inet:" + port + "@[127.0.0.1]", script);
    }

    /** A fake milter on a Unix socket in {@code dir}. */
    static FakeMilter unix(Path dir, Script script) throws IOException {
        Path path = dir.resolve("milter.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(path));
        return new FakeMilter(server, "unix:" + path, script);
    }

    /** The connection spec clients use. */
    String spec() {
        return spec;
    }

    SocketAddress address() throws IOException {
        return server.getLocalAddress();
    }

    /** A client connected to this fake. */
    MilterClient connect(ClientOptions options) throws IOException {
        return TestClients.connect(this, options);
    }

    /** Every packet the script read, in order. */
    List<Packet> received() {
        return List.copyOf(received);
    }

    /** Waits for the script to end and rethrows what it threw. */
    void awaitScript() throws Exception {
        if (!thread.join(Duration.ofSeconds(10))) {
            fail("the fake milter's script did not finish");
        }
        awaited = true;
        if (failure instanceof Exception e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }

    /** Stops the fake; a script that failed and was not awaited fails the test here. */
    @Override
    public void close() throws IOException {
        closing = true; // a stalled script stops; one reading to the end gets there, since the client closes first
        try {
            thread.join(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        SocketChannel c = channel;
        if (c != null) {
            c.close();
        }
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null && !awaited) {
            throw new AssertionError("the fake milter's script failed", failure);
        }
    }

    private void serve(Script script) {
        try (SocketChannel accepted = server.accept()) {
            channel = accepted;
            script.run(new Peer(accepted));
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** The milter's end of the connection. */
    final class Peer {
        private final SocketChannel channel;
        private final InputStream in;
        private final PacketReader reader;

        private Peer(SocketChannel channel) {
            this.channel = channel;
            this.in = new BufferedInputStream(Channels.newInputStream(channel), 1 << 20);
            this.reader = new PacketReader(in, Integer.MAX_VALUE);
        }

        /** The next packet, or null at end of stream. */
        Packet read() throws IOException {
            Packet packet = reader.read();
            if (packet != null) {
                received.add(packet);
            }
            return packet;
        }

        /** The next packet, which must have {@code code}. */
        Packet expect(char code) throws IOException {
            Packet packet = read();
            if (packet == null) {
                fail("expected packet '" + code + "' but the client closed the connection");
            }
            assertEquals(code, packet.code(), () -> "expected packet '" + code + "' but got " + packet);
            return packet;
        }

        /** The next packet as a command, which must have {@code code}. */
        Command expectCommand(char code) throws IOException {
            return CommandCodec.decode(expect(code));
        }

        /** Reads the offer and answers with {@code reply}. */
        Command.Negotiate negotiate(Response.Negotiate reply) throws IOException {
            Command.Negotiate offer = (Command.Negotiate) expectCommand('O');
            reply(reply);
            return offer;
        }

        /** Expects the client to close the connection. */
        void expectEnd() throws IOException {
            Packet packet = read();
            assertEquals(null, packet, "expected the client to close the connection");
        }

        /** Whether at least {@code bytes} more bytes already arrived (sent in the same write as the last packet). */
        boolean hasBuffered(int bytes) throws IOException {
            return in.available() >= bytes;
        }

        /** Writes responses in one write. */
        void reply(Response... responses) throws IOException {
            write(ResponseCodec.encodeAll(Arrays.asList(responses)));
        }

        /** Writes raw bytes. */
        void write(ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }

        /** Writes one raw packet. */
        void writePacket(char code, byte[] data) throws IOException {
            write(Packet.of(code, data).toFrame());
        }

        void sleep(long millis) throws InterruptedException {
            TimeUnit.MILLISECONDS.sleep(millis);
        }

        /** Closes the connection. */
        void hangUp() throws IOException {
            channel.close();
        }

        /** Keeps the connection open without reading until the client closes it or the fake is closed. */
        void stall() throws InterruptedException {
            while (channel.isOpen() && !closing) {
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }

        /** Reads and discards everything until the client closes. */
        List<Packet> drain() {
            List<Packet> packets = new ArrayList<>();
            try {
                Packet p;
                while ((p = read()) != null) {
                    packets.add(p);
                }
            } catch (IOException e) {
                // the client closed hard
            }
            return packets;
        }
    }
}
