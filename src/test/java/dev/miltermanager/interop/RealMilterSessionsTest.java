package dev.miltermanager.interop;

import static dev.miltermanager.interop.RealMilterRig.CONTINUE;
import static dev.miltermanager.interop.RealMilterRig.POSTFIX_V6;
import static dev.miltermanager.interop.RealMilterRig.ascii;
import static dev.miltermanager.interop.RealMilterRig.macrosAfter;
import static dev.miltermanager.interop.RealMilterRig.sha256;
import static dev.miltermanager.interop.RealMilterRig.withoutMacros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.client.MilterTimeoutException;
import dev.miltermanager.interop.InteropChild.Kind;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Sessions with real libmilter and pymilter children: several messages on one connection, {@code K} and a new
 * CONNECT, QUIT; and the child's own log of exactly what the client sent.
 *
 * <p>Observed (libmilter's state machine; pymilter runs the same engine):
 * <ul>
 *   <li>ABORT inside a message calls {@code xxfi_abort}; the ABORT Postfix sends after end of message is dropped
 *       (end of message → abort is no legal transition), so no abort callback runs then.</li>
 *   <li>ABORT does not clear macros: a MAIL sent without a {@code D} packet still sees the previous MAIL's macros.
 *       {@code K} and QUIT clear them all.</li>
 *   <li>{@code K} works only straight after end of message (or an unknown command). After the ABORT that Postfix
 *       sends, or after HELO, the library drops it, and the CONNECT that follows, without a reply.</li>
 *   <li>QUIT inside a message calls {@code xxfi_abort} and then {@code xxfi_close}.</li>
 * </ul>
 */
class RealMilterSessionsTest {

    private static final long BODY_SEED = 20261127L;

    @ParameterizedTest(name = "{0} child over {1}")
    @CsvSource({"C, unix", "C, tcp", "PYTHON, unix", "PYTHON, tcp"})
    void severalMessagesOnOneConnectionEachStartsAfterTheAbortOfThePrevious(Kind kind, String transport) {
        InteropChild.Builder child = InteropChild.of(kind, "many").edit("add-header:X-Seen:{name}")
                .macros("mail", "{mail_addr}");
        try (RealMilterRig rig = RealMilterRig.start(transport.equals("tcp") ? child.tcp() : child)) {
            MilterClient client = rig.client();
            client.negotiate(POSTFIX_V6);
            client.send(Command.Connect.unknown("client.example.org"));
            client.send(new Command.Helo("client.example.org"));

            client.send(new Command.MailFrom("<one@example.org>"), Map.of("{mail_addr}", "one@example.org"));
            client.send(new Command.Recipient("<rcpt@example.net>"));
            client.send(new Command.EndOfHeaders());
            client.body(ByteBuffer.wrap(ascii("first\r\n")));
            EndOfMessageResult first = client.endOfMessage();
            client.abort();

            client.send(new Command.MailFrom("<two@example.org>"), Map.of("{mail_addr}", "two@example.org"));
            client.send(new Command.Recipient("<rcpt@example.net>"));
            client.send(new Command.EndOfHeaders());
            client.body(ByteBuffer.allocate(100_000));
            client.abort(); // abandoned before end of message

            client.send(new Command.MailFrom("<three@example.org>")); // no macros this time
            client.send(new Command.Recipient("<rcpt@example.net>"));
            client.send(new Command.EndOfHeaders());
            client.body(ByteBuffer.wrap(ascii("third\r\n")));
            EndOfMessageResult third = client.endOfMessage();
            client.abort();

            List<Response.Modification> seen = List.of(new Response.AddHeader("X-Seen", "many"));
            assertEquals(seen, first.modifications());
            assertEquals(seen, third.modifications());
            List<String> log = rig.quitAndAwaitLog();
            assertEquals(List.of("negotiate version=6 actions=0x1ff protocol=0x1fffff",
                    "connect host=client.example.org family=U addr= port=0", "helo client.example.org",
                    "mail <one@example.org>", "rcpt <rcpt@example.net>", "eoh", "body 7",
                    "eom bodysha256=" + sha256(ascii("first\r\n")),
                    "mail <two@example.org>", "rcpt <rcpt@example.net>", "eoh", "body 65535", "body 34465", "abort",
                    "mail <three@example.org>", "rcpt <rcpt@example.net>", "eoh", "body 7",
                    "eom bodysha256=" + sha256(ascii("third\r\n")), "close"), withoutMacros(log));
            assertEquals(List.of("macro mail {mail_addr}=two@example.org"),
                    macrosAfter(log, "mail <three@example.org>"), "ABORT keeps the last MAIL macros");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void quitNewConnectionAfterEndOfMessageStartsAFreshSessionOnTheSameConnection(Kind kind) {
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "again"))) {
            MilterClient client = rig.client();
            client.negotiate(POSTFIX_V6);
            List<Command.Connect> clients = List.of(
                    new Command.Connect("one.example.org", Command.Family.INET, 4711, "192.0.2.1"),
                    new Command.Connect("two.example.org", Command.Family.INET6, 2525, "2001:db8::25"),
                    new Command.Connect("localhost", Command.Family.UNIX, 0, "/run/smtpd.sock"));
            for (int i = 0; i < clients.size(); i++) {
                Map<String, String> macros = i == 0 ? Map.of("j", "mx.example.net") : Map.of();
                assertEquals(CONTINUE, client.send(clients.get(i), macros));
                assertEquals(CONTINUE, client.send(new Command.MailFrom("<s" + i + "@example.org>")));
                assertEquals(CONTINUE, client.send(new Command.Recipient("<r@example.net>")));
                assertEquals(CONTINUE, client.endOfMessage().decision());
                if (i < clients.size() - 1) {
                    client.quitNewConnection();
                }
            }
            client.quit();
            List<String> log = rig.awaitLines("close", 3);
            assertEquals(List.of("negotiate version=6 actions=0x1ff protocol=0x1fffff",
                    "connect host=one.example.org family=4 addr=192.0.2.1 port=4711", "macro connect j=mx.example.net",
                    "mail <s0@example.org>", "macro mail j=mx.example.net", "rcpt <r@example.net>",
                    "macro rcpt j=mx.example.net", "eom bodysha256=" + sha256(new byte[0]),
                    "macro eom j=mx.example.net", "close",
                    "connect host=two.example.org family=6 addr=2001:db8::25 port=2525", "mail <s1@example.org>",
                    "rcpt <r@example.net>", "eom bodysha256=" + sha256(new byte[0]), "close",
                    "connect host=localhost family=L addr=/run/smtpd.sock port=0", "mail <s2@example.org>",
                    "rcpt <r@example.net>", "eom bodysha256=" + sha256(new byte[0]), "close"), log,
                    "one negotiation; K ends each session (close) and clears its macros");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void noReplyStagesStayUnansweredAfterQuitNewConnection(Kind kind) {
        // The children forget their negotiated flags at K (see docs/interop-harness.md) and answer RCPT again;
        // libmilter keeps the flags and swallows that answer, so no stray packet reaches the client.
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "nr").noReply("rcpt"),
                RealMilterRig.OPTIONS.withReadTimeout(Duration.ofMillis(300)))) {
            MilterClient client = rig.client();
            client.negotiate(POSTFIX_V6);
            for (int session = 1; session <= 2; session++) {
                client.send(Command.Connect.unknown("s" + session + ".example.org"));
                client.send(new Command.MailFrom("<a@example.org>"));
                for (int i = 0; i < 3; i++) {
                    assertEquals(CONTINUE, client.send(new Command.Recipient("<r" + i + "@example.net>")));
                }
                assertEquals(CONTINUE, client.send(new Command.EndOfHeaders()), "the next awaited reply is EOH's");
                assertEquals(CONTINUE, client.endOfMessage().decision());
                client.quitNewConnection();
            }
            client.quit();
            assertEquals(6, rig.awaitLines("close", 2).stream().filter(line -> line.startsWith("rcpt ")).count());
        }
    }

    @ParameterizedTest(name = "{0} child: K {1}")
    @CsvSource({"C, after the ABORT that follows end of message", "C, after HELO",
            "PYTHON, after the ABORT that follows end of message", "PYTHON, after HELO"})
    void quitNewConnectionAnywhereElseIsDroppedWithTheConnectAfterIt(Kind kind, String where) {
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "k"),
                RealMilterRig.OPTIONS.withReadTimeout(Duration.ofMillis(300)))) {
            MilterClient client = rig.client();
            client.negotiate(POSTFIX_V6);
            client.send(Command.Connect.unknown("one.example.org"));
            client.send(new Command.Helo("one.example.org"));
            if (where.startsWith("after the ABORT")) {
                client.send(new Command.MailFrom("<a@example.org>"));
                client.send(new Command.Recipient("<r@example.net>"));
                client.endOfMessage();
                client.abort();
            }
            client.quitNewConnection();
            MilterTimeoutException e = assertThrows(MilterTimeoutException.class,
                    () -> client.send(Command.Connect.unknown("two.example.org")));
            assertEquals(MilterTimeoutException.Kind.READ, e.kind());
            List<String> log = rig.awaitLines("close", 1);
            assertEquals(1, log.stream().filter(line -> line.startsWith("connect ")).count(), log::toString);
            assertEquals("close", log.get(log.size() - 1), "the close of the hang-up, none for K");
            assertEquals(1, log.stream().filter("close"::equals).count(), log::toString);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void quitInsideAMessageCallsAbortThenClose(Kind kind) {
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "quit"))) {
            rig.client().negotiate(POSTFIX_V6);
            rig.client().send(Command.Connect.unknown("client.example.org"));
            rig.client().send(new Command.MailFrom("<a@example.org>"));
            rig.client().send(new Command.Recipient("<r@example.net>"));
            List<String> log = rig.quitAndAwaitLog();
            assertEquals(List.of("rcpt <r@example.net>", "abort", "close"), log.subList(log.size() - 3, log.size()));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void theChildLogsExactlyWhatTheClientSent(Kind kind) {
        byte[] body = new byte[150_000];
        new Random(BODY_SEED).nextBytes(body);
        try (RealMilterRig rig = RealMilterRig.start(InteropChild.of(kind, "echo")
                .macros("connect", "j {daemon_name} {client_addr}").macros("eom", "{msg_id}"))) {
            MilterClient client = rig.client();
            client.negotiate(POSTFIX_V6);
            client.send(new Command.Connect("client.example.org", Command.Family.INET, 40001, "198.51.100.7"),
                    Map.of("j", "mx.example.net", "{daemon_name}", "smtpd", "{client_addr}", "198.51.100.7"));
            client.send(new Command.Helo("[198.51.100.7]"));
            client.send(new Command.Unknown("XCLIENT"));
            client.send(new Command.MailFrom("<alice@example.org>", List.of("SIZE=150000", "BODY=8BITMIME")));
            client.send(new Command.Recipient("<bob@example.net>", List.of("NOTIFY=SUCCESS,FAILURE")));
            client.send(new Command.Recipient("<carol@example.net>"));
            client.send(new Command.Data());
            client.send(new Command.Header("Subject", "Grüße, =?UTF-8?Q?x?= \\ back"));
            client.send(new Command.Header("X-Folded", "first\n\tsecond"));
            client.send(new Command.Header("X-Empty", ""));
            client.send(new Command.EndOfHeaders());
            client.body(ByteBuffer.wrap(body));
            client.endOfMessage(Map.of("{msg_id}", "<echo@example.org>"), response -> { });
            List<String> log = rig.quitAndAwaitLog();

            assertEquals(List.of("negotiate version=6 actions=0x1ff protocol=0x1fffff",
                    "connect host=client.example.org family=4 addr=198.51.100.7 port=40001",
                    "helo [198.51.100.7]", "unknown XCLIENT", "mail <alice@example.org> SIZE=150000 BODY=8BITMIME",
                    "rcpt <bob@example.net> NOTIFY=SUCCESS,FAILURE", "rcpt <carol@example.net>", "data",
                    "header Subject: Grüße, =?UTF-8?Q?x?= \\\\ back", "header X-Folded: first\\n\\tsecond",
                    "header X-Empty: ", "eoh", "body 65535", "body 65535", "body 18930",
                    "eom bodysha256=" + sha256(body), "close"), withoutMacros(log));
            assertEquals(List.of("macro connect j=mx.example.net", "macro connect {daemon_name}=smtpd",
                    "macro connect {client_addr}=198.51.100.7"),
                    macrosAfter(log, "connect host=client.example.org family=4 addr=198.51.100.7 port=40001"));
            assertEquals("macro eom {msg_id}=<echo@example.org>",
                    macrosAfter(log, "eom bodysha256=" + sha256(body)).get(0));
        }
    }
}
