package dev.miltermanager.interop;

import static dev.miltermanager.interop.RealMilterRig.CONTINUE;
import static dev.miltermanager.interop.RealMilterRig.POSTFIX_V6;
import static dev.miltermanager.interop.RealMilterRig.V2;
import static dev.miltermanager.interop.RealMilterRig.macrosAfter;
import static dev.miltermanager.interop.RealMilterRig.withoutMacros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.client.Negotiated;
import dev.miltermanager.interop.InteropChild.Kind;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What libmilter and pymilter answer to our client's offers, and that the client then follows the answer: the
 * events a version lacks are not sent, the macro lists arrive, and stages without reply are not awaited.
 *
 * <p>Observed: both children (asking for every modification, SKIP when offered and nothing else) answer a
 * Postfix-like v6 offer with version 6, actions {@code 0xff} ({@code 0x1ff} with a macro list) and protocol
 * {@code SKIP} only. To a v2 offer they answer version 2, actions {@code 0x3f} and protocol 0: libmilter shows the
 * milter the offer plus every {@code NR_*} bit (it can fake them) but strips the faked ones from its answer, and
 * answers those stages itself. An edit outside the negotiated actions (change sender in v2) is refused by the
 * library and never reaches the MTA.
 */
class RealMilterNegotiationTest {

    private static final Duration SHORT_READ = Duration.ofMillis(200);

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aPostfixLikeV6OfferGetsVersion6AndEveryRequestedActionBack(Kind kind) {
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "v6"))) {
            Negotiated n = rig.client().negotiate(POSTFIX_V6);
            assertEquals(new Response.Negotiate(6, Action.MODIFICATIONS, ProtocolFlag.SKIP.bit()), n.reply());
            assertEquals(0, n.unofferedProtocol());
            for (Stage stage : Stage.values()) {
                assertTrue(n.isSent(stage) && n.expectsReply(stage), stage::toString);
            }
            assertEquals(List.of("negotiate version=6 actions=0x1ff protocol=0x1fffff", "close"),
                    rig.quitAndAwaitLog());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aV2OfferGetsVersion2AndNeitherDataNorUnknownIsSent(Kind kind) {
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "v2").noReply("rcpt")
                .edit("change-from:<bounce@example.org>").edit("add-header:X-V2:yes"))) {
            MilterClient client = rig.client();
            Negotiated n = client.negotiate(V2);
            // NR_RCPT was asked for but not offered: libmilter drops it from the answer and replies itself.
            assertEquals(new Response.Negotiate(2, Action.V2, 0), n.reply());
            assertFalse(n.isSent(Stage.DATA));
            assertFalse(n.isSent(Stage.UNKNOWN));

            assertEquals(CONTINUE, client.send(Command.Connect.unknown("client.example.org")));
            assertEquals(CONTINUE, client.send(new Command.Helo("client.example.org")));
            assertEquals(CONTINUE, client.send(new Command.Unknown("XPING")), "not sent, synthesized");
            assertEquals(CONTINUE, client.send(new Command.MailFrom("<a@example.org>")));
            assertEquals(CONTINUE, client.send(new Command.Recipient("<b@example.net>")), "faked by libmilter");
            assertEquals(CONTINUE, client.send(new Command.Data()), "not sent, synthesized");
            assertEquals(CONTINUE, client.send(new Command.Header("Subject", "v2")));
            assertEquals(CONTINUE, client.send(new Command.EndOfHeaders()));
            EndOfMessageResult result = client.endOfMessage();
            assertEquals(List.of(new Response.AddHeader("X-V2", "yes")), result.modifications(),
                    "change-from is refused by the library: CHANGE_FROM is not a v2 action");
            assertEquals(CONTINUE, result.decision());

            assertEquals(List.of("negotiate version=6 actions=0x3f protocol=0xff0ff",
                    "connect host=client.example.org family=U addr= port=0", "helo client.example.org",
                    "mail <a@example.org>", "rcpt <b@example.net>", "header Subject: v2", "eoh",
                    "eom bodysha256=" + RealMilterRig.sha256(new byte[0]), "close"), rig.quitAndAwaitLog());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void macroListsAskedForWithSetsymlistArriveAndTheMacrosSentReachTheChild(Kind kind) {
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "macros")
                .macros("connect", "j {daemon_name} {client_addr}")
                .macros("helo", "{tls_version}")
                .macros("mail", "{mail_addr} {auth_authen}")
                .macros("rcpt", "{rcpt_addr}")
                .macros("data", "i")
                .macros("eoh", "{eoh_seen}")
                .macros("eom", "{msg_id}"))) {
            MilterClient client = rig.client();
            Negotiated n = client.negotiate(POSTFIX_V6);
            assertTrue(n.allows(Action.SET_MACRO_LIST));
            assertEquals(Map.of(
                    MacroStage.CONNECT, List.of("j", "{daemon_name}", "{client_addr}"),
                    MacroStage.HELO, List.of("{tls_version}"),
                    MacroStage.ENVFROM, List.of("{mail_addr}", "{auth_authen}"),
                    MacroStage.ENVRCPT, List.of("{rcpt_addr}"),
                    MacroStage.DATA, List.of("i"),
                    MacroStage.EOH, List.of("{eoh_seen}"),
                    MacroStage.EOM, List.of("{msg_id}")), n.macros());

            client.send(new Command.Connect("client.example.org", Command.Family.INET, 4711, "192.0.2.1"),
                    Map.of("j", "mx.example.net", "{daemon_name}", "smtpd", "{client_addr}", "192.0.2.1"));
            client.send(new Command.Helo("client.example.org"), Map.of("{tls_version}", "TLSv1.3"));
            client.send(new Command.MailFrom("<alice@example.org>"),
                    Map.of("{mail_addr}", "alice@example.org", "{auth_authen}", "alice"));
            client.send(new Command.Recipient("<bob@example.net>"), Map.of("{rcpt_addr}", "bob@example.net"));
            client.send(new Command.Data(), Map.of("i", "4711AB"));
            client.send(new Command.EndOfHeaders(), Map.of("{eoh_seen}", "yes"));
            client.endOfMessage(Map.of("{msg_id}", "<m1@example.org>"), response -> { });
            List<String> log = rig.quitAndAwaitLog();

            // Each stage's own macros, in the order asked for. (Earlier stages' macros stay readable later: the
            // child logs i and j wherever it can read them.)
            assertEquals(List.of("macro connect j=mx.example.net", "macro connect {daemon_name}=smtpd",
                    "macro connect {client_addr}=192.0.2.1"),
                    macrosAfter(log, "connect host=client.example.org family=4 addr=192.0.2.1 port=4711"));
            assertEquals("macro helo {tls_version}=TLSv1.3", macrosAfter(log, "helo client.example.org").get(0));
            assertEquals(List.of("macro mail {mail_addr}=alice@example.org", "macro mail {auth_authen}=alice"),
                    macrosAfter(log, "mail <alice@example.org>").subList(0, 2));
            assertEquals("macro rcpt {rcpt_addr}=bob@example.net", macrosAfter(log, "rcpt <bob@example.net>").get(0));
            assertEquals("macro data i=4711AB", macrosAfter(log, "data").get(0));
            assertEquals("macro eoh {eoh_seen}=yes", macrosAfter(log, "eoh").get(0));
            assertTrue(macrosAfter(log, "eom bodysha256=" + RealMilterRig.sha256(new byte[0]))
                    .contains("macro eom {msg_id}=<m1@example.org>"), log::toString);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aNoReplyRcptIsNotAwaitedTwentyRecipientsPassWithoutWaiting(Kind kind) {
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "nr").noReply("rcpt"),
                RealMilterRig.OPTIONS.withReadTimeout(SHORT_READ))) {
            MilterClient client = rig.client();
            Negotiated n = client.negotiate(POSTFIX_V6);
            assertTrue(n.has(ProtocolFlag.NR_RCPT));
            assertFalse(n.expectsReply(Stage.RCPT));
            client.send(Command.Connect.unknown("client.example.org"));
            client.send(new Command.MailFrom("<a@example.org>"));
            long start = System.nanoTime();
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                // A client that waited for a reply would time out (and close) at the first recipient.
                assertEquals(CONTINUE, client.send(new Command.Recipient("<r" + i + "@example.net>")));
                expected.add("rcpt <r" + i + "@example.net>");
            }
            assertEquals(CONTINUE, client.send(new Command.EndOfHeaders()), "the first awaited event after them");
            // Waiting for a reply per recipient would take 20 read timeouts (4 s), or fail at the first one.
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(SHORT_READ.multipliedBy(5)) < 0, "20 recipients and EOH took " + took);
            assertEquals(CONTINUE, client.endOfMessage().decision());

            List<String> rcpts = rig.quitAndAwaitLog().stream().filter(e -> e.startsWith("rcpt ")).toList();
            assertEquals(expected, rcpts);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void everyStageCanBeNoReplyOnlyEndOfMessageIsAwaited(Kind kind) {
        String[] stages = {"connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body", "unknown"};
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "nr").noReply(stages)
                .edit("add-header:X-Seen:{name}"), RealMilterRig.OPTIONS.withReadTimeout(SHORT_READ))) {
            MilterClient client = rig.client();
            Negotiated n = client.negotiate(POSTFIX_V6);
            assertEquals(ProtocolFlag.SKIP.bit() | ProtocolFlag.ALL_NO_REPLIES, n.protocol());
            List<Command> events = List.of(Command.Connect.unknown("client.example.org"),
                    new Command.Helo("client.example.org"), new Command.Unknown("XPING"),
                    new Command.MailFrom("<a@example.org>"), new Command.Recipient("<b@example.net>"),
                    new Command.Data(), new Command.Header("Subject", "quiet"), new Command.EndOfHeaders(),
                    Command.Body.of(RealMilterRig.ascii("quiet\r\n")));
            for (Command event : events) {
                assertEquals(CONTINUE, client.send(event), event::toString);
            }
            assertEquals(CONTINUE, client.body(ByteBuffer.allocate(3 * 65535)), "chunks leave without waiting");
            EndOfMessageResult result = client.endOfMessage();
            assertEquals(List.of(new Response.AddHeader("X-Seen", "nr")), result.modifications());

            byte[] body = Arrays.copyOf(RealMilterRig.ascii("quiet\r\n"), 7 + 3 * 65535);
            assertEquals(List.of("negotiate version=6 actions=0x1ff protocol=0x1fffff",
                    "connect host=client.example.org family=U addr= port=0", "helo client.example.org",
                    "unknown XPING", "mail <a@example.org>", "rcpt <b@example.net>", "data", "header Subject: quiet",
                    "eoh", "body 7", "body 65535", "body 65535", "body 65535",
                    "eom bodysha256=" + RealMilterRig.sha256(body), "close"), withoutMacros(rig.quitAndAwaitLog()));
        }
    }
}
