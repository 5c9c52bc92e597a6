package dev.miltermanager.client;

import static dev.miltermanager.client.Fixtures.CONTINUE;
import static dev.miltermanager.client.Fixtures.OFFER;
import static dev.miltermanager.client.Fixtures.OPTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.PacketTooLargeException;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.UnknownPacketException;
import dev.miltermanager.transport.ConnectionSpec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Peers that go away or misbehave: each fault is its own exception, and the client is closed after it. */
class FailureTest {

    static Stream<Command> events() {
        return NegotiatedFlagsTest.everyEvent().stream();
    }

    @ParameterizedTest
    @MethodSource("events")
    void aMilterClosingWithoutReplyingToAnEventIsReported(Command event) throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect(event.code());
            peer.hangUp();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            var e = assertThrows(MilterClosedByPeerException.class, () -> client.send(event));
            assertEquals(Phase.of(dev.miltermanager.protocol.Stage.of(event)), e.phase());
            assertTrue(e.getMessage().contains("milter closed the connection"), e.getMessage());
            assertFalse(client.isOpen());
            milter.awaitScript();
        }
    }

    @Test
    void aMilterClosingDuringNegotiationIsReported() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.expect('O');
            peer.hangUp();
        }); MilterClient client = milter.connect(OPTIONS)) {
            var e = assertThrows(MilterClosedByPeerException.class, () -> client.negotiate(OFFER));
            assertEquals(Phase.NEGOTIATE, e.phase());
        }
    }

    @Test
    void aMilterClosingDuringEndOfMessageIsReported() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('E');
            peer.reply(new Response.AddHeader("X-A", "1"));
            peer.hangUp();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            var e = assertThrows(MilterClosedByPeerException.class, client::endOfMessage);
            assertEquals(Phase.EOM, e.phase());
        }
    }

    @Test
    void aMilterClosingInsideAPacketIsReported() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('H');
            peer.write(ByteBuffer.wrap(Fixtures.hex("00:00:00:10:68 58:2d")));
            peer.hangUp();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            var e = assertThrows(MilterClosedByPeerException.class, () -> client.send(new Command.Helo("mx")));
            assertTrue(e.getMessage().contains("inside a packet"), e.getMessage());
        }
    }

    @Test
    void aReplyOverTheCapIsAViolation() throws Exception {
        ClientOptions options = OPTIONS.withMaxReplyDataBytes(ClientOptions.MIN_MAX_REPLY_DATA_BYTES);
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('E');
            peer.reply(Response.ReplaceBody.of(new byte[70_000]));
        }); MilterClient client = milter.connect(options)) {
            client.negotiate(OFFER);
            var e = assertThrows(MilterProtocolViolationException.class, client::endOfMessage);
            var cause = assertInstanceOf(PacketTooLargeException.class, e.getCause());
            assertEquals(70_000, cause.announced());
            assertFalse(client.isOpen());
            milter.awaitScript();
        }
    }

    @Test
    void anAbsurdLengthIsRefusedWithoutAllocating() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('H');
            peer.write(ByteBuffer.wrap(Fixtures.hex("7f:ff:ff:ff:63")));
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            var e = assertThrows(MilterProtocolViolationException.class, () -> client.send(new Command.Helo("mx")));
            assertInstanceOf(PacketTooLargeException.class, e.getCause());
        }
    }

    @Test
    void anUnknownResponseCodeIsAViolation() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('H');
            peer.writePacket('Z', "garbage".getBytes(StandardCharsets.US_ASCII));
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            var e = assertThrows(MilterProtocolViolationException.class, () -> client.send(new Command.Helo("mx")));
            assertEquals('Z', assertInstanceOf(UnknownPacketException.class, e.getCause()).code());
        }
    }

    @Test
    void anInvalidReplyCodeIsAViolation() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('M');
            peer.writePacket('y', "250 fine\0".getBytes(StandardCharsets.US_ASCII));
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            var e = assertThrows(MilterProtocolViolationException.class,
                    () -> client.send(new Command.MailFrom("<a@b>")));
            assertInstanceOf(SmtpReply.InvalidReplyException.class, e.getCause());
        }
    }

    @Test
    void aReplyToAnEventNegotiatedWithoutReplyIsAViolation() throws Exception {
        CountDownLatch replied = new CountDownLatch(1);
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.protocol(ProtocolFlag.NR_MAIL));
            peer.expect('M');
            peer.reply(CONTINUE); // not allowed: NR_MAIL
            replied.countDown();
            peer.drain();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            assertEquals(CONTINUE, client.send(new Command.MailFrom("<a@b>")));
            assertTrue(replied.await(5, TimeUnit.SECONDS));
            awaitArrival(client);
            var e = assertThrows(MilterProtocolViolationException.class,
                    () -> client.send(new Command.Recipient("<c@d>")));
            assertEquals(Phase.RCPT, e.phase());
            assertTrue(e.getMessage().contains("no reply was due") && e.getMessage().contains("NR_MAIL"),
                    e.getMessage());
            milter.awaitScript();
            assertEquals("OM", NegotiatedFlagsTest.codes(milter.received()), "RCPT was not sent");
        }
    }

    @Test
    void aReplyToAbortIsAViolation() throws Exception {
        CountDownLatch replied = new CountDownLatch(1);
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('A');
            peer.reply(CONTINUE);
            replied.countDown();
            peer.drain();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            client.abort();
            assertTrue(replied.await(5, TimeUnit.SECONDS));
            awaitArrival(client);
            var e = assertThrows(MilterProtocolViolationException.class,
                    () -> client.send(new Command.MailFrom("<a@b>")));
            assertTrue(e.getMessage().contains("ABORT"), e.getMessage());
        }
    }

    @Test
    @SuppressWarnings("try") // closing explicitly is what the test is about
    void closeFromAnotherThreadUnblocksAWaitingCall() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('C');
            peer.stall();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            Thread.ofVirtual().start(() -> {
                sleep(200);
                client.close();
            });
            long start = System.nanoTime();
            var e = assertThrows(MilterClientClosedException.class,
                    () -> client.send(Command.Connect.unknown("h")));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 1500, "unblocked after " + millis + " ms, long before the 5 s read timeout");
            assertNull(e.getCause());
            assertEquals(Phase.CONNECT, e.phase());
            assertFalse(client.isOpen());
        }
    }

    @Test
    @SuppressWarnings("try") // closing explicitly is what the test is about
    void everyCallAfterAFailureFailsFastWithTheOriginalCause() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('H');
            peer.hangUp();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            var first = assertThrows(MilterClosedByPeerException.class, () -> client.send(new Command.Helo("mx")));
            for (var call : java.util.List.<org.junit.jupiter.api.function.Executable>of(
                    () -> client.send(new Command.MailFrom("<a@b>")), client::endOfMessage, client::abort,
                    client::quitNewConnection, () -> client.body(ByteBuffer.allocate(1)))) {
                var later = assertThrows(MilterClientClosedException.class, call);
                assertSame(first, later.getCause());
                assertTrue(later.getMessage().contains("earlier failure"), later.getMessage());
            }
            client.quit(); // harmless
            client.close();
        }
    }

    @Test
    void quitToAMilterThatIsGoneDoesNotThrow() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.hangUp();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            milter.awaitScript();
            client.quit();
            assertFalse(client.isOpen());
            assertThrows(MilterClientClosedException.class, () -> client.send(new Command.Helo("mx")));
        }
    }

    @Test
    void aRefusedConnectionIsAConnectFailure() throws Exception {
        int port;
        try (ServerSocketChannel closed = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = ((InetSocketAddress) closed.getLocalAddress()).getPort();
        }
        ConnectionSpec spec = ConnectionSpec.parse("inet:" + port + "@[127.0.0.1]");
        var e = assertThrows(MilterConnectException.class,
                () -> MilterClient.connect(spec, OPTIONS.withName("gone")));
        assertEquals(Phase.OPEN, e.phase());
        assertEquals("gone (" + spec + ")", e.milter());
    }

    @Test
    void aMissingUnixSocketIsAConnectFailure(@TempDir Path dir) {
        ConnectionSpec spec = ConnectionSpec.parse("unix:" + dir.resolve("nobody-home.sock"));
        var e = assertThrows(MilterConnectException.class, () -> MilterClient.connect(spec, OPTIONS));
        assertTrue(e.getMessage().startsWith("milter unix:"), e.getMessage());
    }

    /** Waits until the unsolicited packet the fake sent is readable (loopback delivery is quick but not instant). */
    private static void awaitArrival(MilterClient client) throws InterruptedException {
        Thread.sleep(Duration.ofMillis(50));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
