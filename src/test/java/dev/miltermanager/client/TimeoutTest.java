package dev.miltermanager.client;

import static dev.miltermanager.client.Fixtures.OFFER;
import static dev.miltermanager.client.Fixtures.OPTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Each timeout fires close to its value, closes the client and says which timeout it was. */
class TimeoutTest {
    private static final Duration SHORT = Duration.ofMillis(300);

    @Test
    void connectTimeoutFiresWhenTheListenerAcceptsNothing() throws Exception {
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1)) {
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            fillBacklog(listener, fillers);
            ConnectionSpec spec = ConnectionSpec.parse("inet:" + port + "@[127.0.0.1]");

            MilterTimeoutException e = timesOut(MilterTimeoutException.Kind.CONNECT,
                    () -> MilterClient.connect(spec, OPTIONS.withConnectTimeout(SHORT)));
            assertEquals(Phase.OPEN, e.phase());
        } finally {
            for (SocketChannel filler : fillers) {
                filler.close();
            }
        }
    }

    @Test
    void readTimeoutFiresWhenNegotiationIsNotAnswered() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.expect('O');
            peer.stall();
        }); MilterClient client = milter.connect(OPTIONS.withReadTimeout(SHORT))) {
            MilterTimeoutException e = timesOut(MilterTimeoutException.Kind.READ, () -> client.negotiate(OFFER));
            assertEquals(Phase.NEGOTIATE, e.phase());
            assertFalse(client.isOpen());
        }
    }

    @Test
    void readTimeoutFiresWhenAnEventIsNotAnswered() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('R');
            peer.stall();
        }); MilterClient client = milter.connect(OPTIONS.withReadTimeout(SHORT).withName("slow"))) {
            client.negotiate(OFFER);
            MilterTimeoutException e = timesOut(MilterTimeoutException.Kind.READ,
                    () -> client.send(new Command.Recipient("<c@d>")));
            assertEquals(Phase.RCPT, e.phase());
            assertTrue(e.getMessage().startsWith("milter slow (inet:"), e.getMessage());
            assertTrue(e.getMessage().endsWith("RCPT: no reply to RCPT within 300 ms (read timeout)"), e.getMessage());
            assertFalse(client.isOpen());
        }
    }

    @Test
    void writeTimeoutFiresWhenTheMilterStopsReading() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.protocol(ProtocolFlag.NR_BODY));
            peer.stall();
        }); MilterClient client = milter.connect(OPTIONS.withWriteTimeout(SHORT))) {
            client.negotiate(OFFER);
            ByteBuffer body = ByteBuffer.allocate(64 << 20); // far more than the socket buffers hold
            MilterTimeoutException e = timesOut(MilterTimeoutException.Kind.WRITE, () -> client.body(body));
            assertEquals(Phase.BODY, e.phase());
        }
    }

    @Test
    void endOfMessageTimeoutFiresWhenNoVerdictComes() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('E');
            peer.stall();
        }); MilterClient client = milter.connect(OPTIONS.withEndOfMessageTimeout(SHORT))) {
            client.negotiate(OFFER);
            MilterTimeoutException e = timesOut(MilterTimeoutException.Kind.END_OF_MESSAGE, client::endOfMessage);
            assertEquals(Phase.EOM, e.phase());
        }
    }

    /** Runs {@code call}, which must throw a timeout of {@code kind} about {@link #SHORT} after it started. */
    private static MilterTimeoutException timesOut(MilterTimeoutException.Kind kind, Executable call) {
        long start = System.nanoTime();
        MilterTimeoutException e = assertThrows(MilterTimeoutException.class, call);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(kind, e.kind(), e.getMessage());
        assertEquals(SHORT, e.timeout());
        // not before the timeout; the upper bound only tells "fired" from "hung" (a loaded 2-core runner once took
        // 1.5 s to push 64 MiB into the socket buffers and notice the stall)
        assertTrue(millis >= 280 && millis < 3000, kind + " fired after " + millis + " ms: " + e.getMessage());
        return e;
    }

    /**
     * Connects to {@code listener}, which never accepts, until its accept queue is full and a further connect
     * hangs (the kernel then drops the handshake).
     */
    private static void fillBacklog(ServerSocketChannel listener, List<SocketChannel> fillers) throws IOException,
            InterruptedException {
        for (int i = 0; i < 64; i++) {
            SocketChannel filler = SocketChannel.open();
            filler.configureBlocking(false);
            fillers.add(filler);
            if (!filler.connect(listener.getLocalAddress())) {
                Thread.sleep(50);
                if (!filler.finishConnect()) {
                    return;
                }
            }
        }
        throw new IllegalStateException("the accept queue never filled up");
    }
}
