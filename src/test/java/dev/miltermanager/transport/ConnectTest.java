package dev.miltermanager.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ConnectTest {
    private static final int MAX_FILLERS = 64;

    private final List<SocketChannel> fillers = new ArrayList<>();

    @AfterEach
    void closeFillers() throws IOException {
        for (SocketChannel filler : fillers) {
            filler.close();
        }
    }

    @Test
    void connectTimesOutWhenTheListenersBacklogIsFull() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            server.bind(new InetSocketAddress("127.0.0.1", 0), 1); // never accepts
            ConnectionSpec spec = ConnectionSpec.inet("127.0.0.1", ((InetSocketAddress) server.getLocalAddress()).getPort());
            fillTcpBacklog(server.getLocalAddress());
            long start = System.nanoTime();
            var e = assertThrows(DeadlineExceededException.class, () -> Connection.connect(spec, Duration.ofMillis(200)));
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsedMillis >= 200 && elapsedMillis < 2000, "took " + elapsedMillis + " ms");
            assertEquals(spec + ": timed out after 200 ms while connecting", e.getMessage());
        }
    }

    @Test
    void connectTimesOutOnAUnixSocketWithAFullBacklog(@TempDir Path dir) throws IOException {
        Path path = dir.resolve("full.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path), 1); // never accepts
            fillUnixBacklog(UnixDomainSocketAddress.of(path));
            var e = assertThrows(DeadlineExceededException.class,
                    () -> Connection.connect(ConnectionSpec.unix(path), Duration.ofMillis(150)));
            assertEquals("connecting", e.phase());
        }
    }

    @Test
    void refusedConnectionNamesTheSpec() throws IOException {
        ConnectionSpec spec;
        try (Listener listener = Listener.open(ConnectionSpec.parse("inet:0@[127.0.0.1]"))) {
            spec = listener.localSpec(); // a port nobody listens on once closed
        }
        var e = assertThrows(ConnectException.class, () -> Connection.connect(spec, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().startsWith("cannot connect to " + spec + ": "), e.getMessage());
    }

    @Test
    void missingUnixSocketNamesTheSpec(@TempDir Path dir) {
        ConnectionSpec spec = ConnectionSpec.unix(dir.resolve("absent.sock"));
        var e = assertThrows(ConnectException.class, () -> Connection.connect(spec, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().startsWith("cannot connect to " + spec + ": "), e.getMessage());
    }

    @Test
    void hostNameIsResolvedWhenConnecting() throws IOException {
        try (Listener listener = Listener.open(ConnectionSpec.parse("inet:0@[127.0.0.1]"))) {
            int port = ((ConnectionSpec.Inet) listener.localSpec()).port();
            try (Connection connection = Connection.connect(ConnectionSpec.inet("localhost", port), Duration.ofSeconds(1))) {
                listener.accept().close();
                assertEquals("inet:" + port + "@localhost", connection.peer());
            }
        }
    }

    @Test
    void connectingToPortZeroIsRefused() {
        assertThrows(ConnectException.class,
                () -> Connection.connect(ConnectionSpec.parse("inet:0@[127.0.0.1]"), Duration.ofSeconds(1)));
    }

    @Test
    void connectTimeoutMustBePositive() {
        assertThrows(IllegalArgumentException.class,
                () -> Connection.connect(ConnectionSpec.parse("inet:25@[127.0.0.1]"), Duration.ZERO));
    }

    /**
     * Opens connections until one stays pending: the kernel then drops further SYNs, so a connect hangs until the
     * caller gives up.
     */
    private void fillTcpBacklog(SocketAddress address) throws IOException {
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < MAX_FILLERS; i++) {
                SocketChannel filler = SocketChannel.open(StandardProtocolFamily.INET);
                fillers.add(filler);
                filler.configureBlocking(false);
                if (filler.connect(address)) {
                    continue;
                }
                SelectionKey key = filler.register(selector, SelectionKey.OP_CONNECT);
                if (selector.select(100) == 0) {
                    return; // pending: the backlog is full
                }
                selector.selectedKeys().clear();
                key.cancel();
                filler.finishConnect();
            }
        }
        Assumptions.abort("skipped: could not fill the backlog of a loopback listener");
    }

    /** Opens connections until the kernel refuses another one without blocking (EAGAIN). */
    private void fillUnixBacklog(SocketAddress address) throws IOException {
        for (int i = 0; i < MAX_FILLERS; i++) {
            SocketChannel filler = SocketChannel.open(StandardProtocolFamily.UNIX);
            fillers.add(filler);
            filler.configureBlocking(false);
            try {
                if (!filler.connect(address)) {
                    return; // pending: full
                }
            } catch (IOException full) {
                return;
            }
        }
        Assumptions.abort("skipped: could not fill the backlog of a Unix-domain listener");
    }
}
