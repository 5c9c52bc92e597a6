package dev.miltermanager.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // deadlines guard the block without being referenced in it
class ConnectionTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final HexFormat HEX = HexFormat.ofDelimiter(":");

    private Listener listener;
    private Connection client;
    private Connection server;

    @BeforeEach
    void connectOverLoopback() throws IOException {
        listener = Listener.open(ConnectionSpec.parse("inet:0@[127.0.0.1]"));
        client = Connection.connect(listener.localSpec(), CONNECT_TIMEOUT);
        server = Connection.of(listener.accept());
    }

    @AfterEach
    void closeAll() {
        client.close();
        server.close();
        listener.close();
    }

    @Test
    void peerIsTheSpecForTheConnectingSideAndTheRemoteAddressForTheAcceptingSide() throws IOException {
        assertEquals(listener.localSpec().toString(), client.peer());
        assertTrue(server.peer().matches("inet:\\d+@\\[127\\.0\\.0\\.1]"), server.peer());
    }

    @Test
    void smallReadsAreServedFromOneBufferedReceive() throws IOException {
        // a packet as the milter protocol frames it: length 5, code 'O', four data bytes
        client.write(ByteBuffer.wrap(HEX.parseHex("00:00:00:05:4f:01:02:03:04")));
        InputStream in = server.input();
        assertEquals(0x00, in.read());
        assertEquals(8, in.available(), "the rest of the packet came in with the first byte");
        assertArrayEquals(HEX.parseHex("00:00:05"), in.readNBytes(3));
        assertEquals('O', in.read());
        assertArrayEquals(HEX.parseHex("01:02:03:04"), in.readNBytes(4));
        assertEquals(0, in.available());
    }

    @Test
    void readsLargerThanTheBufferArriveIntact() throws Exception {
        byte[] payload = pattern(5 * ChannelInputStream.BUFFER_BYTES + 7);
        var writing = CompletableFuture.runAsync(() -> writeQuietly(client, ByteBuffer.wrap(payload)));
        InputStream in = server.input();
        byte[] head = in.readNBytes(3);
        byte[] rest = in.readNBytes(payload.length - 3);
        writing.get(2, TimeUnit.SECONDS);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(head);
        all.write(rest);
        assertArrayEquals(payload, all.toByteArray());
    }

    @Test
    void severalBuffersArriveInOrderFromOneWrite() throws Exception {
        byte[] big = pattern(3 * 1024 * 1024); // more than one send buffer: the loop must go on
        var reading = CompletableFuture.supplyAsync(() -> readQuietly(server.input(), 2 + big.length + 3));
        ByteBuffer first = ByteBuffer.wrap(new byte[] {1, 2});
        ByteBuffer empty = ByteBuffer.allocate(0);
        ByteBuffer second = ByteBuffer.wrap(big);
        ByteBuffer third = ByteBuffer.allocateDirect(3).put(new byte[] {7, 8, 9}).flip();
        client.write(first, empty, second, third);
        assertFalse(first.hasRemaining() || second.hasRemaining() || third.hasRemaining());
        byte[] received = reading.get(5, TimeUnit.SECONDS);
        assertArrayEquals(new byte[] {1, 2}, java.util.Arrays.copyOfRange(received, 0, 2));
        assertArrayEquals(big, java.util.Arrays.copyOfRange(received, 2, 2 + big.length));
        assertArrayEquals(new byte[] {7, 8, 9}, java.util.Arrays.copyOfRange(received, 2 + big.length, received.length));
    }

    @Test
    void concurrentWritesDoNotInterleave() throws Exception {
        int writers = 4;
        int messages = 50;
        int bodyBytes = 20_000;
        var reading = CompletableFuture.supplyAsync(
                () -> readQuietly(server.input(), writers * messages * (1 + bodyBytes)));
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < writers; w++) {
                byte id = (byte) w;
                executor.submit(() -> {
                    for (int m = 0; m < messages; m++) {
                        byte[] body = new byte[bodyBytes];
                        java.util.Arrays.fill(body, id);
                        client.write(ByteBuffer.wrap(new byte[] {id}), ByteBuffer.wrap(body));
                    }
                    return null;
                });
            }
        }
        byte[] received = reading.get(5, TimeUnit.SECONDS);
        for (int offset = 0; offset < received.length; offset += 1 + bodyBytes) {
            byte id = received[offset];
            for (int i = 1; i <= bodyBytes; i++) {
                assertEquals(id, received[offset + i], "message at " + offset + " is interleaved");
            }
        }
    }

    @Test
    void readTimeoutFiresOnASilentPeer() {
        long start = System.nanoTime();
        var e = assertThrows(DeadlineExceededException.class, () -> {
            try (Deadline deadline = client.deadline(Duration.ofMillis(150), "reading")) {
                client.input().read();
            }
        });
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(elapsedMillis >= 150 && elapsedMillis < 2000, "took " + elapsedMillis + " ms");
        assertEquals(client.peer() + ": timed out after 150 ms while reading", e.getMessage());
        assertEquals("reading", e.phase());
        assertEquals(Duration.ofMillis(150), e.timeout());
        assertFalse(client.isOpen());
        // the connection stays dead, and says why
        var later = assertThrows(DeadlineExceededException.class, () -> client.write(ByteBuffer.wrap(new byte[] {1})));
        assertEquals("reading", later.phase());
    }

    @Test
    void readTimeoutFiresOnAVirtualThread() throws Exception {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            var outcome = executor.submit(() -> {
                try (Deadline deadline = client.deadline(Duration.ofMillis(100), "reading")) {
                    client.input().read();
                    return null;
                } catch (DeadlineExceededException e) {
                    return e;
                }
            });
            assertInstanceOf(DeadlineExceededException.class, outcome.get(2, TimeUnit.SECONDS));
        }
    }

    @Test
    void readTimeoutFiresOnAUnixSocket(@TempDir Path dir) throws IOException {
        try (Listener unix = Listener.open(ConnectionSpec.unix(dir.resolve("m.sock")));
             Connection unixClient = Connection.connect(unix.localSpec(), CONNECT_TIMEOUT);
             SocketChannel accepted = unix.accept()) {
            var e = assertThrows(DeadlineExceededException.class, () -> {
                try (Deadline deadline = unixClient.deadline(Duration.ofMillis(100), "reading")) {
                    unixClient.input().readNBytes(4);
                }
            });
            assertEquals("unix:" + dir.resolve("m.sock") + ": timed out after 100 ms while reading", e.getMessage());
            assertTrue(accepted.isOpen());
        }
    }

    @Test
    void writeTimeoutFiresWhenThePeerStopsReading() {
        ByteBuffer[] lots = new ByteBuffer[64];
        for (int i = 0; i < lots.length; i++) {
            lots[i] = ByteBuffer.allocate(1024 * 1024); // 64 MiB: far beyond the socket buffers
        }
        var e = assertThrows(DeadlineExceededException.class, () -> {
            try (Deadline deadline = client.deadline(Duration.ofMillis(200), "writing")) {
                client.write(lots);
            }
        });
        assertEquals("writing", e.phase());
    }

    @Test
    void disarmedDeadlineLeavesTheConnectionUsable() throws IOException {
        try (Deadline deadline = client.deadline(Duration.ofMillis(100), "writing")) {
            client.write(ByteBuffer.wrap(new byte[] {42}));
        }
        try (Deadline deadline = server.deadline(Duration.ofMillis(100), "reading")) {
            assertEquals(42, server.input().read());
        }
        assertTrue(client.isOpen() && server.isOpen());
    }

    @Test
    void closeUnblocksAReaderWithAPlainIoException() throws Exception {
        var reading = CompletableFuture.supplyAsync(() -> {
            try {
                return client.input().read();
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        Thread.sleep(50);
        client.close();
        client.close();
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> reading.get(2, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause().getCause() == null ? e.getCause() : e.getCause().getCause());
        assertFalse(e.getCause() instanceof DeadlineExceededException);
    }

    @Test
    void endOfStreamReadsAsMinusOne() throws IOException {
        client.close();
        assertEquals(-1, server.input().read());
        assertEquals(-1, server.input().read(new byte[10], 0, 10));
    }

    @Test
    void closingTheInputStreamClosesTheConnection() throws IOException {
        server.input().close();
        assertFalse(server.isOpen());
    }

    @Test
    void acknowledgePromptlyLeavesDelayedAckModeOnTcp() throws IOException {
        try (SocketChannel channel = SocketChannel.open(listener.localSpec().toSocketAddress());
             SocketChannel accepted = listener.accept()) {
            assumeTrue(channel.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK), "Linux only");
            Connection connection = Connection.of(channel);
            channel.setOption(ExtendedSocketOptions.TCP_QUICKACK, false); // delayed ACKs, as in a busy exchange
            connection.acknowledgePromptly();
            assertTrue(channel.getOption(ExtendedSocketOptions.TCP_QUICKACK));
            connection.close();
            connection.acknowledgePromptly(); // harmless once closed
            assertTrue(accepted.isOpen());
        }
    }

    @Test
    void acknowledgePromptlyIsHarmlessOnAUnixSocket(@TempDir Path dir) throws IOException {
        try (Listener unix = Listener.open(ConnectionSpec.unix(dir.resolve("m.sock")));
             Connection unixClient = Connection.connect(unix.localSpec(), CONNECT_TIMEOUT);
             SocketChannel accepted = unix.accept()) {
            unixClient.acknowledgePromptly();
            accepted.write(ByteBuffer.wrap(new byte[] {42}));
            assertEquals(42, unixClient.input().read());
        }
    }

    @Test
    void wrappingANonBlockingChannelIsRefused() throws IOException {
        try (SocketChannel channel = SocketChannel.open(listener.localSpec().toSocketAddress())) {
            listener.accept().close();
            channel.configureBlocking(false);
            assertThrows(IllegalArgumentException.class, () -> Connection.of(channel));
        }
    }

    private static byte[] pattern(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 8));
        }
        return bytes;
    }

    private static void writeQuietly(Connection connection, ByteBuffer... buffers) {
        try {
            connection.write(buffers);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] readQuietly(InputStream in, int size) {
        try {
            return in.readNBytes(size);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
