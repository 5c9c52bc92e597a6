package dev.miltermanager.client;

import static dev.miltermanager.client.Fixtures.CONTINUE;
import static dev.miltermanager.client.Fixtures.OFFER;
import static dev.miltermanager.client.Fixtures.OPTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NegotiationTest {

    @Test
    void negotiatesAndKeepsTheMilterMacroLists() throws Exception {
        Response.Negotiate reply = new Response.Negotiate(6, Action.ADD_HEADERS.bit() | Action.SET_MACRO_LIST.bit(),
                ProtocolFlag.NR_HELO.bit(), Map.of(MacroStage.CONNECT, List.of("j", "{daemon_name}"),
                        MacroStage.EOM, List.of("i")));
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            Command.Negotiate offer = peer.negotiate(reply);
            assertEquals(OFFER, offer);
        }); MilterClient client = milter.connect(OPTIONS)) {
            Negotiated n = client.negotiate(OFFER);

            assertEquals(6, n.version());
            assertEquals(reply.actions(), n.actions());
            assertEquals(Map.of(MacroStage.CONNECT, List.of("j", "{daemon_name}"), MacroStage.EOM, List.of("i")),
                    n.macros());
            assertTrue(n.allows(Action.ADD_HEADERS));
            assertFalse(n.expectsReply(Stage.HELO));
            assertEquals(n, client.negotiated().orElseThrow());
            milter.awaitScript();
        }
    }

    @Test
    void negotiatesOverAUnixSocket(@TempDir Path dir) throws Exception {
        try (FakeMilter milter = FakeMilter.unix(dir, peer -> {
            peer.negotiate(Fixtures.EVERYTHING);
            peer.expect('H');
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            assertEquals(CONTINUE, client.send(new Command.Helo("mx.example.org")));
            assertTrue(client.name().startsWith("unix:"), client.name());
            milter.awaitScript();
        }
    }

    @Test
    void aVersion2MilterGetsNeitherDataNorUnknown() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(new Response.Negotiate(2, Action.V2, 0));
            peer.expect('R');
            peer.reply(CONTINUE);
            peer.expect('L'); // DATA and UNKNOWN were not sent
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            client.send(new Command.Recipient("<bob@example.net>"));
            assertEquals(CONTINUE, client.send(new Command.Data(), Map.of("i", "4711")));
            assertEquals(CONTINUE, client.send(new Command.Unknown("XYZZY")));
            assertEquals(CONTINUE, client.send(new Command.Header("Subject", "hi")));
            milter.awaitScript();
        }
    }

    @Test
    void aVersion3MilterGetsUnknownButNotData() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(new Response.Negotiate(3, Action.V2, 0));
            peer.expect('U');
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            client.negotiate(OFFER);
            client.send(new Command.Data());
            client.send(new Command.Unknown("XYZZY"));
            milter.awaitScript();
        }
    }

    @Test
    void protocolFlagsOutsideTheOfferAreToleratedAndFollowed() throws Exception {
        Command.Negotiate offer = new Command.Negotiate(6, Action.ALL, ProtocolFlag.V2); // no NR_* offered
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.negotiate(new Response.Negotiate(6, 0, ProtocolFlag.NR_HELO.bit()));
            peer.expect('H'); // no reply: the milter said so
            peer.expect('M');
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            Negotiated n = client.negotiate(offer);
            assertEquals(ProtocolFlag.NR_HELO.bit(), n.unofferedProtocol());
            assertEquals(CONTINUE, client.send(new Command.Helo("mx")));
            assertEquals(CONTINUE, client.send(new Command.MailFrom("<a@example.org>")));
            milter.awaitScript();
        }
    }

    @Test
    void actionsOutsideTheOfferAreAViolation() throws Exception {
        Command.Negotiate offer = new Command.Negotiate(6, Action.ADD_HEADERS.bit(), ProtocolFlag.ALL);
        NegotiationException cause = negotiationFails(offer,
                new Response.Negotiate(6, Action.ADD_HEADERS.bit() | Action.CHANGE_BODY.bit(), 0));
        assertTrue(cause.getMessage().contains("CHANGE_BODY"), cause.getMessage());
    }

    @Test
    void aVersionAboveTheOfferIsAViolation() throws Exception {
        NegotiationException cause = negotiationFails(new Command.Negotiate(4, Action.V2, ProtocolFlag.V2),
                new Response.Negotiate(6, 0, 0));
        assertTrue(cause.getMessage().contains("above the offered version 4"), cause.getMessage());
    }

    @Test
    void versionsOutsideTwoToSixAreViolations() throws Exception {
        negotiationFails(OFFER, new Response.Negotiate(1, 0, 0));
        negotiationFails(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL), new Response.Negotiate(0, 0, 0));
    }

    @Test
    void anythingButAnOptionReplyIsAViolation() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> {
            peer.expect('O');
            peer.reply(CONTINUE);
        }); MilterClient client = milter.connect(OPTIONS)) {
            var e = assertThrows(MilterProtocolViolationException.class, () -> client.negotiate(OFFER));
            assertInstanceOf(NegotiationException.class, e.getCause());
            assertEquals(Phase.NEGOTIATE, e.phase());
            assertFalse(client.isOpen());
        }
    }

    @Test
    void anOfferOutsideTwoToSixIsRefusedBeforeSending() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> peer.expectEnd());
                MilterClient client = milter.connect(OPTIONS)) {
            assertThrows(IllegalArgumentException.class,
                    () -> client.negotiate(new Command.Negotiate(7, Action.ALL, ProtocolFlag.ALL)));
            assertThrows(IllegalArgumentException.class,
                    () -> client.negotiate(new Command.Negotiate(1, Action.ALL, ProtocolFlag.ALL)));
            assertTrue(client.isOpen());
        }
    }

    @Test
    void eventsBeforeNegotiationAndASecondNegotiationAreIllegal() throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> peer.negotiate(Fixtures.EVERYTHING));
                MilterClient client = milter.connect(OPTIONS)) {
            assertThrows(IllegalStateException.class, () -> client.send(new Command.Helo("mx")));
            assertThrows(IllegalStateException.class, client::abort);
            client.negotiate(OFFER);
            assertThrows(IllegalStateException.class, () -> client.negotiate(OFFER));
            assertTrue(client.isOpen());
            milter.awaitScript();
        }
    }

    private static NegotiationException negotiationFails(Command.Negotiate offer, Response.Negotiate reply)
            throws Exception {
        try (FakeMilter milter = FakeMilter.tcp(peer -> peer.negotiate(reply));
                MilterClient client = milter.connect(OPTIONS)) {
            var e = assertThrows(MilterProtocolViolationException.class, () -> client.negotiate(offer));
            assertEquals(Phase.NEGOTIATE, e.phase());
            assertTrue(e.getMessage().startsWith("milter inet:"), e.getMessage());
            assertFalse(client.isOpen());
            return assertInstanceOf(NegotiationException.class, e.getCause());
        }
    }
}
