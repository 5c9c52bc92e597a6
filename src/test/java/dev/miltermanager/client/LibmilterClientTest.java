package dev.miltermanager.client;

import static dev.miltermanager.client.Fixtures.CONTINUE;
import static dev.miltermanager.client.Fixtures.OFFER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.interop.InteropChild;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client against a real milter built on Sendmail's libmilter (the interop harness's C child). */
class LibmilterClientTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ClientOptions OPTIONS = ClientOptions.builder().allTimeouts(WAIT).name("c-child").build();

    @Test
    void everyStageIsSeenAndEveryEditCollectedInOrder() {
        try (InteropChild child = InteropChild.c("child")
                .edit("add-header:X-Seen:{name}")
                .edit("insert-header:0:X-First:1")
                .edit("change-header:Subject:1:[tagged] hi")
                .edit("progress")
                .edit("add-rcpt:<carol@example.net>")
                .edit("add-rcpt-par:<dave@example.net>:NOTIFY=NEVER")
                .edit("del-rcpt:<bob@example.net>")
                .edit("change-from:<bounce@example.org>")
                .edit("replace-body:new body\\n")
                .edit("quarantine:held by {name}")
                .macros("connect", "j {daemon_name}")
                .start();
             MilterClient client = MilterClient.connect(ConnectionSpec.parse(child.connectionSpec()), OPTIONS)) {
            Negotiated n = client.negotiate(OFFER);
            assertEquals(6, n.version());
            assertEquals(List.of("j", "{daemon_name}"), n.macros().get(MacroStage.CONNECT));

            assertEquals(CONTINUE, client.send(new Command.Connect("client.example.org", Command.Family.INET, 4711,
                    "192.0.2.1"), Map.of("j", "mx.example.net", "{daemon_name}", "smtpd")));
            assertEquals(CONTINUE, client.send(new Command.Helo("client.example.org")));
            assertEquals(CONTINUE, client.send(new Command.MailFrom("<alice@example.org>", List.of("SIZE=100"))));
            assertEquals(CONTINUE, client.send(new Command.Recipient("<bob@example.net>")));
            assertEquals(CONTINUE, client.send(new Command.Data()));
            assertEquals(CONTINUE, client.send(new Command.Header("Subject", "hi")));
            assertEquals(CONTINUE, client.send(new Command.EndOfHeaders()));
            assertEquals(CONTINUE, client.body(ByteBuffer.allocate(100_000)));
            List<Response> seen = new ArrayList<>();
            EndOfMessageResult result = client.endOfMessage(Map.of(), seen::add);
            assertEquals(CONTINUE, result.decision());
            assertEquals(1, result.progressCount());
            assertEquals(List.of(
                    new Response.AddHeader("X-Seen", "child"),
                    new Response.InsertHeader(0, "X-First", "1"),
                    new Response.ChangeHeader(1, "Subject", "[tagged] hi"),
                    new Response.AddRecipient("<carol@example.net>"),
                    new Response.AddRecipientWithArgs("<dave@example.net>", "NOTIFY=NEVER"),
                    new Response.DeleteRecipient("<bob@example.net>"),
                    new Response.ChangeFrom("<bounce@example.org>", ""),
                    new Response.Quarantine("held by child")).toString(),
                    result.modifications().stream().filter(m -> !(m instanceof Response.ReplaceBody)).toList()
                            .toString());
            ByteBuffer body = ByteBuffer.allocate(100);
            result.modifications(Response.ReplaceBody.class).forEach(b -> body.put(b.chunk()));
            assertEquals("new body\r\n", new String(body.array(), 0, body.position(), StandardCharsets.US_ASCII));
            assertEquals(result.modifications().size() + 1, seen.size(), "the listener saw each edit and the progress");
            client.abort();
            client.quit();

            List<String> events = child.awaitEvent("close", WAIT);
            for (String expected : List.of("connect host=client.example.org family=4 addr=192.0.2.1 port=4711",
                    "macro connect j=mx.example.net", "macro connect {daemon_name}=smtpd", "helo client.example.org",
                    "mail <alice@example.org> SIZE=100", "rcpt <bob@example.net>", "data", "header Subject: hi",
                    "eoh", "body 65535", "body 34465")) {
                assertTrue(events.contains(expected), () -> "no \"" + expected + "\" in " + events);
            }
        }
    }

    @Test
    void repliesAndSkipFromLibmilter() {
        try (InteropChild child = InteropChild.c("child").tcp()
                .rule("rcpt:<bad@=reply:550:5.7.1:no thanks")
                .rule("body=skip")
                .start();
             MilterClient client = MilterClient.connect(ConnectionSpec.parse(child.connectionSpec()), OPTIONS)) {
            client.negotiate(OFFER);
            client.send(Command.Connect.unknown("client"));
            client.send(new Command.MailFrom("<a@example.org>"));
            assertEquals(new Response.ReplyCode(SmtpReply.of(550, "5.7.1", "no thanks")),
                    client.send(new Command.Recipient("<bad@example.net>")));
            assertEquals(CONTINUE, client.send(new Command.Recipient("<good@example.net>")));
            client.send(new Command.EndOfHeaders());
            assertEquals(new Response.Skip(), client.body(ByteBuffer.allocate(3 * 65535)));
            assertEquals(CONTINUE, client.endOfMessage().decision());
            client.quit();
            List<String> events = child.awaitEvent("close", WAIT);
            assertEquals(1, events.stream().filter(e -> e.startsWith("body ")).count(), events::toString);
        }
    }

    @Test
    void stagesLibmilterDoesNotAnswerAreNotAwaited() {
        try (InteropChild child = InteropChild.c("child").noReply("header", "body", "rcpt").start();
             MilterClient client = MilterClient.connect(ConnectionSpec.parse(child.connectionSpec()), OPTIONS)) {
            Negotiated n = client.negotiate(OFFER);
            assertFalse(n.expectsReply(Stage.HEADER));
            assertTrue(n.has(ProtocolFlag.NR_BODY));
            client.send(Command.Connect.unknown("client"));
            client.send(new Command.MailFrom("<a@example.org>"));
            assertEquals(CONTINUE, client.send(new Command.Recipient("<b@example.net>")));
            for (int i = 0; i < 50; i++) {
                assertEquals(CONTINUE, client.send(new Command.Header("X-H" + i, "v")));
            }
            client.send(new Command.EndOfHeaders());
            assertEquals(CONTINUE, client.body(ByteBuffer.allocate(5 * 65535)));
            assertEquals(CONTINUE, client.endOfMessage().decision());
            client.quit();
            List<String> events = child.awaitEvent("close", WAIT);
            assertEquals(50, events.stream().filter(e -> e.startsWith("header X-H")).count(), events::toString);
        }
    }
}
