package dev.miltermanager.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TcpListenerTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    @Test
    void listensOnIpv4LoopbackWithPortZeroAndReportsTheRealPort() throws IOException {
        try (Listener listener = Listener.open(ConnectionSpec.parse("inet:0@[127.0.0.1]"))) {
            var local = assertInstanceOf(ConnectionSpec.Inet.class, listener.localSpec());
            assertNotEquals(0, local.port());
            assertEquals("inet:" + local.port() + "@[127.0.0.1]", local.toString());
            assertExchangesBytes(listener);
        }
    }

    @Test
    void listensOnIpv6Loopback() throws IOException {
        assumeIpv6Loopback();
        try (Listener listener = Listener.open(ConnectionSpec.parse("inet6:0@[::1]"))) {
            var local = assertInstanceOf(ConnectionSpec.Inet.class, listener.localSpec());
            assertEquals(StandardProtocolFamily.INET6, local.family());
            assertNotEquals(0, local.port());
            assertExchangesBytes(listener);
        }
    }

    @Test
    void listensOnAllInterfacesAndIsReachedOnLoopback() throws IOException {
        try (Listener listener = Listener.open(ConnectionSpec.parse("inet:0"))) {
            var local = (ConnectionSpec.Inet) listener.localSpec();
            assertTrue(local.host().isEmpty());
            assertExchangesBytes(listener);
        }
    }

    @Test
    void listensOnAHostName() throws IOException {
        try (Listener listener = Listener.open(ConnectionSpec.parse("inet:0@localhost"))) {
            assertTrue(listener.localSpec().toString().endsWith("@localhost"), listener.localSpec().toString());
            assertExchangesBytes(listener);
        }
    }

    @Test
    void acceptedAndConnectedTcpChannelsHaveNoDelay() throws Exception {
        try (Listener listener = Listener.open(ConnectionSpec.parse("inet:0@[127.0.0.1]"));
             Connection client = Connection.connect(listener.localSpec(), CONNECT_TIMEOUT);
             SocketChannel accepted = listener.accept()) {
            assertTrue(accepted.getOption(StandardSocketOptions.TCP_NODELAY));
            assertTrue(accepted.isBlocking());
            assertTrue(client.isOpen());
        }
    }

    @Test
    void portInUseIsABindExceptionNamingTheSpec() throws IOException {
        try (Listener first = Listener.open(ConnectionSpec.parse("inet:0@[127.0.0.1]"))) {
            var e = assertThrows(BindException.class, () -> Listener.open(first.localSpec()));
            assertTrue(e.getMessage().startsWith("cannot listen on " + first.localSpec() + ": "), e.getMessage());
        }
    }

    @Test
    void closeUnblocksAcceptAndIsIdempotent() throws Exception {
        Listener listener = Listener.open(ConnectionSpec.parse("inet:0@[127.0.0.1]"));
        CompletableFuture<Throwable> accepting = CompletableFuture.supplyAsync(() -> {
            try {
                listener.accept().close();
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        Thread.sleep(50);
        listener.close();
        listener.close();
        assertInstanceOf(AsynchronousCloseException.class, accepting.get(2, TimeUnit.SECONDS));
        assertFalse(listener.isOpen());
    }

    /** One connection through the listener, each side writing a line the other reads. */
    static void assertExchangesBytes(Listener listener) throws IOException {
        try (Connection client = Connection.connect(listener.localSpec(), CONNECT_TIMEOUT);
             Connection server = Connection.of(listener.accept())) {
            client.write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)));
            assertArrayEquals("hello\n".getBytes(StandardCharsets.US_ASCII), server.input().readNBytes(6));
            server.write(ByteBuffer.wrap("bye\n".getBytes(StandardCharsets.US_ASCII)));
            assertArrayEquals("bye\n".getBytes(StandardCharsets.US_ASCII), client.input().readNBytes(4));
        }
    }

    static void assumeIpv6Loopback() {
        try (ServerSocketChannel probe = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
            probe.bind(new InetSocketAddress("::1", 0));
        } catch (IOException | UnsupportedOperationException e) {
            Assumptions.abort("skipped: this machine has no IPv6 loopback (binding [::1] failed: " + e + ")");
        }
    }
}
