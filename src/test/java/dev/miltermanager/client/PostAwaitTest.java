package dev.miltermanager.client;

import static dev.miltermanager.client.Fixtures.OFFER;
import static dev.miltermanager.client.Fixtures.OPTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link MilterClient#post} and {@link MilterClient.PendingReply#await()}: an event written now and its verdict read
 * later, under the read timeout counted from the write, with every other call refused meanwhile.
 */
class PostAwaitTest {
    private static final Duration SHORT = Duration.ofMillis(300);

    @Test
    void twoMiltersWorkOnTheEventAtTheSameTimeAndAreReadInTurn() throws Exception {
        try (FakeMilter slowA = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('R');
            peer.sleep(200);
            peer.reply(new Response.Reject());
        }); FakeMilter slowB = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('R');
            peer.sleep(200);
            peer.reply(new Response.Continue());
        }); MilterClient a = slowA.connect(OPTIONS); MilterClient b = slowB.connect(OPTIONS)) {
            a.negotiate(OFFER);
            b.negotiate(OFFER);
            long start = System.nanoTime();
            MilterClient.PendingReply ra = a.post(new Command.Recipient("<x@y>"), Map.of());
            MilterClient.PendingReply rb = b.post(new Command.Recipient("<x@y>"), Map.of());
            assertEquals(new Response.Reject(), ra.await());
            assertEquals(new Response.Continue(), rb.await());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 380, "both took " + millis + " ms: the milters did not work at the same time");
        }
    }

    @Test
    void aPendingReplyBlocksOtherCallsUntilAwaitedOnce() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('H');
            peer.reply(new Response.Continue());
            peer.expect('M');
            peer.reply(new Response.Accept());
            peer.stall();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            MilterClient.PendingReply helo = client.post(new Command.Helo("h"), Map.of());
            assertThrows(IllegalStateException.class, () -> client.send(new Command.MailFrom("<a@b>")));
            assertThrows(IllegalStateException.class, () -> client.post(new Command.MailFrom("<a@b>"), Map.of()));
            assertThrows(IllegalStateException.class, client::abort);
            assertTrue(client.isOpen(), "misuse leaves the session as it was");
            assertEquals(new Response.Continue(), helo.await());
            assertThrows(IllegalStateException.class, helo::await);
            assertEquals(new Response.Accept(), client.send(new Command.MailFrom("<a@b>")));
        }
    }

    @Test
    void aReplyThatArrivedInTimeIsTakenWhenAwaitedAfterTheTimeout() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('R');
            peer.sleep(100);
            peer.reply(new Response.TempFail());
            peer.stall();
        }); MilterClient client = milter.connect(OPTIONS.withReadTimeout(SHORT))) {
            client.negotiate(OFFER);
            MilterClient.PendingReply reply = client.post(new Command.Recipient("<x@y>"), Map.of());
            Thread.sleep(SHORT.toMillis() + 200);
            assertEquals(new Response.TempFail(), reply.await());
        }
    }

    @Test
    void theReadTimeoutRunsFromTheWriteNotFromTheAwait() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('R');
            peer.stall();
        }); MilterClient client = milter.connect(OPTIONS.withReadTimeout(SHORT))) {
            client.negotiate(OFFER);
            long start = System.nanoTime();
            MilterClient.PendingReply reply = client.post(new Command.Recipient("<x@y>"), Map.of());
            Thread.sleep(200);
            MilterTimeoutException e = assertThrows(MilterTimeoutException.class, reply::await);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(MilterTimeoutException.Kind.READ, e.kind());
            assertTrue(millis >= 280 && millis < 500 + 200, "timed out after " + millis + " ms");
            assertFalse(client.isOpen());
        }
    }

    @Test
    void aBodyOfSeveralChunksSendsTheRestFromAwait() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            assertEquals(65535, peer.expect('B').payload().remaining());
            peer.reply(new Response.Continue());
            assertEquals(5, peer.expect('B').payload().remaining());
            peer.reply(new Response.Continue());
            peer.stall();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            MilterClient.PendingReply reply = client.post(new Command.Body(ByteBuffer.allocate(65540)), Map.of());
            assertEquals(new Response.Continue(), reply.await());
        }
    }

    @Test
    void anEventNotAnsweredGivesAReplyAlreadyComplete() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.protocol(ProtocolFlag.NR_HELO));
            peer.expect('H');
            peer.expect('M');
            peer.reply(new Response.Continue());
            peer.stall();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            MilterClient.PendingReply helo = client.post(new Command.Helo("h"), Map.of());
            assertEquals(new Response.Continue(), client.send(new Command.MailFrom("<a@b>")),
                    "nothing is pending after an event the milter does not answer");
            assertEquals(new Response.Continue(), helo.await());
        }
    }
}
