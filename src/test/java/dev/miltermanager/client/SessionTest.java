package dev.miltermanager.client;

import static dev.miltermanager.client.Fixtures.CONTINUE;
import static dev.miltermanager.client.Fixtures.OFFER;
import static dev.miltermanager.client.Fixtures.OPTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole conversations: several messages, connection reuse, quitting. */
class SessionTest {

    @Test
    void twoMessagesWithAbortInBetweenOverAUnixSocket(@TempDir Path dir) throws Exception {
        try (FakeMilter milter = FakeMilter.unix(dir, peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            for (char code : "CHMRTLNB".toCharArray()) {
                peer.expect(code);
                peer.reply(CONTINUE);
            }
            peer.expect('E');
            peer.reply(new Response.AddHeader("X-Seen", "1"), CONTINUE);
            peer.expect('A');
            peer.expect('M');
            peer.reply(new Response.Reject());
            peer.expect('A');
            peer.expect('Q');
            peer.expectEnd();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            client.send(Command.Connect.unknown("localhost"));
            client.send(new Command.Helo("mx"));
            client.send(new Command.MailFrom("<a@b>"));
            client.send(new Command.Recipient("<c@d>"));
            client.send(new Command.Data());
            client.send(new Command.Header("Subject", "one"));
            client.send(new Command.EndOfHeaders());
            client.body(ByteBuffer.wrap(new byte[] {'x', '\r', '\n'}));
            assertEquals(List.of(new Response.AddHeader("X-Seen", "1")), client.endOfMessage().modifications());
            client.abort();
            assertEquals(new Response.Reject(), client.send(new Command.MailFrom("<spam@b>")));
            client.abort();
            client.quit();
            assertFalse(client.isOpen());
            milter.awaitScript();
        }
    }

    @Test
    void quitNewConnectionKeepsTheConnectionForANewConnect() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('C');
            peer.reply(CONTINUE);
            peer.expect('K');
            peer.expect('D');
            peer.expect('C');
            peer.reply(new Response.Accept());
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            client.send(Command.Connect.unknown("first"));
            client.quitNewConnection();
            assertTrue(client.isOpen());
            assertEquals(new Response.Accept(), client.send(Command.Connect.unknown("second"), Map.of("j", "mx")));
            milter.awaitScript();
        }
    }

    @Test
    void progressRestartsTheReadTimeout() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('R');
            for (int i = 0; i < 6; i++) {
                peer.sleep(100);
                peer.reply(new Response.Progress());
            }
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS.withReadTimeout(Duration.ofMillis(300)))) {
            client.negotiate(OFFER);
            assertEquals(CONTINUE, client.send(new Command.Recipient("<slow@check>")));
            milter.awaitScript();
        }
    }

    @Test
    void sendRefusesCommandsThatAreNotEvents() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> peer.negotiate(Fixtures.EVERYTHING));
                MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            for (Command c : List.of(new Command.EndOfMessage(), new Command.Abort(), new Command.Quit(),
                    new Command.QuitNewConnection(), OFFER, new Command.Macros('C', Map.of()))) {
                assertThrows(IllegalArgumentException.class, () -> client.send(c), c.toString());
            }
            assertTrue(client.isOpen());
            milter.awaitScript();
        }
    }

    @Test
    @SuppressWarnings("try") // closing explicitly is what the test is about
    void closeIsIdempotentAndQuitAfterCloseDoesNothing() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expectEnd();
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            client.close();
            client.close();
            client.quit();
            var e = assertThrows(MilterClientClosedException.class, () -> client.send(new Command.Helo("mx")));
            assertEquals("milter " + milter.spec() + ", HELO: client is closed", e.getMessage());
            milter.awaitScript();
        }
    }
}
