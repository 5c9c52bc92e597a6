package dev.miltermanager.client;

import static dev.miltermanager.client.Fixtures.OFFER;
import static dev.miltermanager.client.Fixtures.OPTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each verdict a milter can give to an event comes back as a value. */
class DecisionTest {

    static Stream<Response.Decision> decisions() {
        return Stream.of(new Response.Continue(), new Response.Accept(), new Response.Reject(),
                new Response.TempFail(), new Response.Discard(), new Response.Shutdown(),
                new Response.ReplyCode(SmtpReply.of(550, "5.7.1", "no thanks", "really")),
                new Response.ReplyCode(SmtpReply.of(421, null, "busy")));
    }

    static Stream<Command> events() {
        return Stream.of(new Command.Connect("h", Command.Family.INET6, 1, "::1"), new Command.Helo("mx"),
                new Command.MailFrom("<a@b>"), new Command.Recipient("<c@d>"), new Command.Data(),
                new Command.Header("To", "c@d"), new Command.EndOfHeaders(), Command.Body.of(new byte[] {'x'}),
                new Command.Unknown("NOOP"));
    }

    @ParameterizedTest
    @MethodSource("decisions")
    void eachDecisionIsReturnedAsAValue(Response.Decision decision) throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('R');
            peer.reply(decision);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            assertEquals(decision, client.send(new Command.Recipient("<c@d>")));
            assertTrue(client.isOpen(), "a verdict is not a failure");
            milter.awaitScript();
        }
    }

    @ParameterizedTest
    @MethodSource("events")
    void everyEventWaitsForItsReply(Command event) throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect(event.code());
            peer.reply(new Response.Reject());
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            assertEquals(new Response.Reject(), client.send(event));
            milter.awaitScript();
        }
    }

    @Test
    void progressBeforeTheReplyIsSkipped() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('M');
            peer.reply(new Response.Progress(), new Response.Progress());
            peer.reply(new Response.TempFail());
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            assertEquals(new Response.TempFail(), client.send(new Command.MailFrom("<a@b>")));
            milter.awaitScript();
        }
    }

    @Test
    void skipAnswersABodyChunk() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('B');
            peer.reply(new Response.Skip());
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            assertEquals(new Response.Skip(), client.send(Command.Body.of(new byte[] {'x'})));
            milter.awaitScript();
        }
    }

    @Test
    void skipAnsweringAnythingButABodyChunkIsAViolation() throws Exception {
        assertViolation(new Command.Header("To", "c@d"), new Response.Skip(), "SKIP");
    }

    @Test
    void connectionFailureIsAViolation() throws Exception {
        assertViolation(new Command.Helo("mx"), new Response.ConnectionFailure(), "connection failure");
    }

    @Test
    void aModificationBeforeEndOfMessageIsAViolation() throws Exception {
        assertViolation(new Command.EndOfHeaders(), new Response.AddHeader("X-A", "b"),
                "modifications are only valid at end of message");
    }

    @Test
    void aNegotiationReplyToAnEventIsAViolation() throws Exception {
        assertViolation(new Command.Helo("mx"), Fixtures.EVERYTHING, "negotiation reply");
    }

    private static void assertViolation(Command event, Response reply, String expected) throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect(event.code());
            peer.reply(reply);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            var e = assertThrows(MilterProtocolViolationException.class, () -> client.send(event));
            assertTrue(e.getMessage().contains(expected), e.getMessage());
            assertFalse(client.isOpen());
            var again = assertThrows(MilterClientClosedException.class, () -> client.send(event));
            assertEquals(e, again.getCause());
            milter.awaitScript();
        }
    }
}
