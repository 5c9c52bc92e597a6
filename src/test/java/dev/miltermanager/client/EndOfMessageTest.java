package dev.miltermanager.client;

import static dev.miltermanager.client.Fixtures.CONTINUE;
import static dev.miltermanager.client.Fixtures.OFFER;
import static dev.miltermanager.client.Fixtures.OPTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** End of message: every edit collected in order, the verdict, progress and the timeout. */
class EndOfMessageTest {
    private static final List<Response.Modification> EVERY_EDIT = List.of(
            new Response.AddHeader("X-Spam", "no"),
            new Response.InsertHeader(0, "X-First", "1"),
            new Response.ChangeHeader(1, "Subject", "[tagged] hi"),
            new Response.ChangeHeader(2, "Received", ""),
            Response.ReplaceBody.of("new body, part 1\r\n".getBytes(StandardCharsets.US_ASCII)),
            Response.ReplaceBody.of("part 2\r\n".getBytes(StandardCharsets.US_ASCII)),
            new Response.AddRecipient("<carol@example.net>"),
            new Response.AddRecipientWithArgs("<dave@example.net>", "NOTIFY=NEVER"),
            new Response.DeleteRecipient("<bob@example.net>"),
            new Response.ChangeFrom("<bounce@example.org>", "RET=HDRS"),
            new Response.Quarantine("looks odd"));

    @Test
    void everyModificationIsCollectedInArrivalOrderAndSeenByTheListener() throws Exception {
        Response.ReplyCode verdict = new Response.ReplyCode(SmtpReply.of(554, "5.7.1", "rejected after edits"));
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('D');
            peer.expect('E');
            peer.reply(EVERY_EDIT.subList(0, 5).toArray(Response[]::new));
            peer.reply(new Response.Progress());
            peer.reply(EVERY_EDIT.subList(5, EVERY_EDIT.size()).toArray(Response[]::new));
            peer.reply(verdict);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            List<Response> seen = new ArrayList<>();
            EndOfMessageResult result = client.endOfMessage(Map.of("i", "4711"), seen::add);

            assertEquals(EVERY_EDIT.toString(), result.modifications().toString());
            assertEquals(verdict, result.decision());
            assertEquals(1, result.progressCount());
            List<Response> expectedSeen = new ArrayList<>(EVERY_EDIT.subList(0, 5));
            expectedSeen.add(new Response.Progress());
            expectedSeen.addAll(EVERY_EDIT.subList(5, EVERY_EDIT.size()));
            assertEquals(expectedSeen.toString(), seen.toString());
            assertEquals(2, result.modifications(Response.ReplaceBody.class).size());
            milter.awaitScript();
        }
    }

    static Stream<Response.Decision> verdicts() {
        return Stream.of(new Response.Continue(), new Response.Accept(), new Response.Reject(),
                new Response.TempFail(), new Response.Discard(), new Response.Shutdown(),
                new Response.ReplyCode(SmtpReply.of(451, "4.7.1", "later")));
    }

    @ParameterizedTest
    @MethodSource("verdicts")
    void eachVerdictEndsEndOfMessage(Response.Decision verdict) throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('E');
            peer.reply(new Response.AddHeader("X-A", "1"), verdict);
            peer.expect('M');
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            EndOfMessageResult result = client.endOfMessage();
            assertEquals(verdict, result.decision());
            assertEquals(List.of(new Response.AddHeader("X-A", "1")), result.modifications());
            assertEquals(CONTINUE, client.send(new Command.MailFrom("<next@example.org>")), "the session goes on");
            milter.awaitScript();
        }
    }

    @Test
    void aModificationThatWasNotNegotiatedIsAViolation() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(new Response.Negotiate(6, Action.ADD_HEADERS.bit(), 0));
            peer.expect('E');
            peer.reply(new Response.AddHeader("X-A", "1"), new Response.ChangeFrom("<x@y>"), CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            List<Response> seen = new ArrayList<>();
            var e = assertThrows(MilterProtocolViolationException.class, () -> client.endOfMessage(Map.of(), seen::add));
            assertTrue(e.getMessage().contains("CHANGE_FROM"), e.getMessage());
            assertEquals(Phase.EOM, e.phase());
            assertEquals(List.of(new Response.AddHeader("X-A", "1")), seen, "the legal edit was seen first");
            assertFalse(client.isOpen());
            milter.awaitScript();
        }
    }

    @Test
    void skipAtEndOfMessageIsAViolation() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('E');
            peer.reply(new Response.Skip());
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            assertThrows(MilterProtocolViolationException.class, client::endOfMessage);
            milter.awaitScript();
        }
    }

    @Test
    void progressRestartsTheEndOfMessageTimeout() throws Exception {
        ClientOptions options = OPTIONS.withEndOfMessageTimeout(Duration.ofMillis(300));
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('E');
            for (int i = 0; i < 10; i++) {
                peer.sleep(100);
                peer.reply(new Response.Progress());
            }
            peer.reply(new Response.AddHeader("X-Scanned", "yes"), CONTINUE);
        }); MilterClient client = milter.connect(options)) {
            client.negotiate(OFFER);
            long start = System.nanoTime();
            EndOfMessageResult result = client.endOfMessage();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(CONTINUE, result.decision());
            assertEquals(10, result.progressCount());
            assertTrue(millis >= 1000, "the milter took about 1 s: " + millis + " ms");
            milter.awaitScript();
        }
    }

    @Test
    void modificationsDoNotExtendTheEndOfMessageTimeout() throws Exception {
        ClientOptions options = OPTIONS.withEndOfMessageTimeout(Duration.ofMillis(300));
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('E');
            try {
                for (int i = 0; i < 20; i++) {
                    peer.sleep(50);
                    peer.reply(new Response.AddHeader("X-Slow", Integer.toString(i)));
                }
            } catch (IOException expected) {
                // the client gave up and closed the connection
            }
        }); MilterClient client = milter.connect(options)) {
            client.negotiate(OFFER);
            long start = System.nanoTime();
            var e = assertThrows(MilterTimeoutException.class, client::endOfMessage);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(MilterTimeoutException.Kind.END_OF_MESSAGE, e.kind());
            assertEquals(Duration.ofMillis(300), e.timeout());
            assertTrue(millis >= 290 && millis < 900, "timed out after " + millis + " ms");
        }
    }

    @Test
    void aListenerThatThrowsClosesTheClient() throws Exception {
        IllegalStateException boom = new IllegalStateException("listener broke");
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('E');
            peer.reply(new Response.AddRecipient("<x@y>"), CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            var thrown = assertThrows(IllegalStateException.class, () -> client.endOfMessage(Map.of(), r -> {
                throw boom;
            }));
            assertSame(boom, thrown);
            assertFalse(client.isOpen());
            var closed = assertThrows(MilterClientClosedException.class, client::abort);
            assertSame(boom, closed.getCause());
            milter.awaitScript();
        }
    }

    @Test
    void endOfMessageBeforeNegotiationIsIllegal() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> peer.expectEnd());
                MilterClient client = milter.connect(OPTIONS)) {
            assertInstanceOf(IllegalStateException.class, assertThrows(RuntimeException.class, client::endOfMessage));
            assertTrue(client.isOpen());
        }
    }
}
