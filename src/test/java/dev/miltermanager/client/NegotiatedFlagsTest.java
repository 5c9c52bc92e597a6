package dev.miltermanager.client;

import static dev.miltermanager.client.Fixtures.CONTINUE;
import static dev.miltermanager.client.Fixtures.OFFER;
import static dev.miltermanager.client.Fixtures.OPTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client sends, awaits and skips what the milter negotiated. */
class NegotiatedFlagsTest {
    private static final Map<String, String> MACROS = Map.of("i", "4711");

    @Test
    void eventsTheMilterDeclinedAreNotSentAndYieldContinue() throws Exception {
        int allNo = ProtocolFlag.ALL_NO_EVENTS;
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(new Response.Negotiate(6, 0, allNo));
            peer.expect('D');
            peer.expect('E');
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            for (Command event : everyEvent()) {
                assertEquals(CONTINUE, client.send(event, MACROS), event.toString());
            }
            assertEquals(CONTINUE, client.body(ByteBuffer.allocate(100_000)));
            assertEquals(CONTINUE, client.endOfMessage(MACROS, r -> { }).decision());
            milter.awaitScript();
            assertEquals("ODE", codes(milter.received()), "neither the events nor their macros were sent");
        }
    }

    @Test
    void eventsTheMilterWillNotAnswerAreSentWithoutWaiting() throws Exception {
        int allNr = ProtocolFlag.ALL_NO_REPLIES;
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(new Response.Negotiate(6, 0, allNr));
            for (char code : "DCHMRTLNBBU".toCharArray()) {
                peer.expect(code);
            }
            peer.expect('E');
            peer.reply(new Response.Accept());
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            long start = System.nanoTime();
            for (Command event : everyEvent()) {
                assertEquals(CONTINUE, client.send(event, event instanceof Command.Connect ? MACROS : Map.of()));
            }
            assertEquals(new Response.Accept(), client.endOfMessage().decision());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 2000, "nothing waited for the 5 s read timeout: " + millis + " ms");
            milter.awaitScript();
        }
    }

    @Test
    void unansweredBodyChunksLeaveTogether() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.protocol(ProtocolFlag.NR_BODY));
            peer.expect('B');
            assertTrue(peer.hasBuffered(2 * (65535 + 5)), "the other chunks came in the same write");
            peer.expect('B');
            peer.expect('B');
            peer.expect('E');
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            assertEquals(CONTINUE, client.body(ByteBuffer.allocate(3 * 65535)));
            client.endOfMessage();
            milter.awaitScript();
        }
    }

    @Test
    void afterSkipTheRestOfTheBodyIsNotSent() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('B');
            peer.reply(new Response.Skip());
            peer.expect('E');
            peer.reply(CONTINUE);
            peer.expect('M'); // next message: the body is sent again
            peer.reply(CONTINUE);
            peer.expect('B');
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            assertEquals(new Response.Skip(), client.body(ByteBuffer.allocate(3 * 65535)));
            assertEquals(CONTINUE, client.body(ByteBuffer.allocate(10)));
            assertEquals(CONTINUE, client.send(Command.Body.of(new byte[10])));
            client.endOfMessage();
            client.send(new Command.MailFrom("<a@b>"));
            assertEquals(CONTINUE, client.body(ByteBuffer.allocate(10)));
            milter.awaitScript();
            assertEquals("OBEMB", codes(milter.received()));
        }
    }

    @Test
    void aVerdictOnOneChunkStopsTheRestOfThePiece() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('B');
            peer.reply(CONTINUE);
            peer.expect('B');
            peer.reply(new Response.Discard());
            peer.expect('A');
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            assertEquals(new Response.Discard(), client.body(ByteBuffer.allocate(4 * 65535)));
            client.abort();
            milter.awaitScript();
            assertEquals("OBBA", codes(milter.received()));
        }
    }

    static List<Command> everyEvent() {
        return List.of(new Command.Connect("h", Command.Family.INET, 1, "192.0.2.1"), new Command.Helo("mx"),
                new Command.MailFrom("<a@b>"), new Command.Recipient("<c@d>"), new Command.Data(),
                new Command.Header("To", "c@d"), new Command.EndOfHeaders(), Command.Body.of(new byte[70_000]),
                new Command.Unknown("NOOP"));
    }

    static String codes(List<Packet> packets) {
        StringBuilder codes = new StringBuilder();
        packets.forEach(p -> codes.append(p.code()));
        return codes.toString();
    }
}
