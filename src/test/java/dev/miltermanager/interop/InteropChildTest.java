package dev.miltermanager.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.interop.InteropChild.Kind;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The scriptable children behind real Postfix ({@code smtpd_milters}): each script feature shows in what Postfix
 * answers and delivers, the libmilter and pymilter children log the same events for the same mail, and Postfix's
 * own chaining hands the first child's edits to the second.
 */
class InteropChildTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String FROM = "sender@example.org";
    private static final String BODY = "Hello, milters.\n.leading dot\nGrüße\n";

    /** A complete message, so Postfix adds no header of its own besides Received:. */
    private static String message(String subject) {
        return """
                From: Sender <sender@example.org>
                To: Receiver <rcpt@example.net>
                Subject: %s
                Date: Fri, 27 Nov 2026 12:00:00 +0000
                Message-ID: <interop-%d@example.org>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=UTF-8
                Content-Transfer-Encoding: 8bit

                %s""".formatted(subject, Math.abs(subject.hashCode()), BODY);
    }

    /** A sink and a Postfix in front of the given milters, closed together. */
    private record Rig(SmtpSink sink, PostfixInstance postfix) implements AutoCloseable {
        static Rig start(InteropChild... children) {
            SmtpSink sink = SmtpSink.start();
            try {
                String[] specs = Arrays.stream(children).map(InteropChild::postfixSpec).toArray(String[]::new);
                return new Rig(sink, PostfixInstance.builder().relayTo(sink).milters(specs).start());
            } catch (RuntimeException e) {
                sink.close();
                throw e;
            }
        }

        SmtpClient.Transaction send(List<String> recipients, String message) {
            return SmtpClient.sendMail(postfix.smtpPort(), FROM, recipients, message);
        }

        @Override
        public void close() {
            try {
                postfix.close();
            } finally {
                sink.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void addedHeaderShowsInTheDeliveredMessage(Kind kind) {
        try (InteropChild child = InteropChild.of(kind, "one").edit("add-header:X-Interop:added by {name}").start();
             Rig rig = Rig.start(child)) {
            SmtpClient.Transaction sent = rig.send(List.of("rcpt@example.net"), message("add a header"));
            assertTrue(sent.accepted(), () -> sent + "\n" + rig.postfix().log() + child.output());

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            assertEquals("added by one", delivered.header("X-Interop"), delivered::toString);
            assertEquals(BODY.replace("\n", "\r\n"), delivered.body());
            assertNoComplaints(child);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void bodyReplacementShowsInTheDeliveredMessage(Kind kind) {
        try (InteropChild child = InteropChild.of(kind, "one").edit("replace-body:replaced by {name}\\nline two\\n")
                .start();
             Rig rig = Rig.start(child)) {
            SmtpClient.Transaction sent = rig.send(List.of("rcpt@example.net"), message("replace the body"));
            assertTrue(sent.accepted(), () -> sent + "\n" + rig.postfix().log() + child.output());

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            assertEquals("replaced by one\r\nline two\r\n", delivered.body(), delivered::toString);
            assertEquals("replace the body", delivered.header("Subject"));
            assertNoComplaints(child);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void rejectRuleOnAHeaderGives5xxAtTheEndOfData(Kind kind) {
        try (InteropChild child = InteropChild.of(kind, "one")
                .rule("header:Subject: please reject=reply:550:5.7.1:rejected by {name}")
                .start();
             Rig rig = Rig.start(child)) {
            SmtpClient.Transaction sent = rig.send(List.of("rcpt@example.net"), message("please reject me"));

            assertEquals(354, sent.data().code(), sent::toString);
            assertEquals(550, sent.endOfData().code(), sent::toString);
            assertEquals("5.7.1 rejected by one", sent.endOfData().text());
            List<String> events = child.awaitEvent("close", WAIT);
            assertTrue(events.contains("header Subject: please reject me"), events::toString);
            assertFalse(events.contains("eoh"), "the child stopped the message at the header: " + events);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void tempfailRuleOnARecipientGives4xxAtRcptForThatRecipientOnly(Kind kind) {
        try (InteropChild child = InteropChild.of(kind, "one").rule("rcpt:<later@=tempfail").start();
             Rig rig = Rig.start(child)) {
            SmtpClient.Transaction sent = rig.send(List.of("now@example.net", "later@example.net"),
                    message("one recipient waits"));

            assertEquals(250, sent.rcpts().get(0).code(), sent::toString);
            assertEquals(4, sent.rcpts().get(1).code() / 100, sent::toString);
            assertTrue(sent.accepted(), sent::toString);
            SmtpSink.Message delivered = rig.sink().await(WAIT);
            assertEquals(List.of("now@example.net"), delivered.recipients());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void requestedMacrosArriveAndNoReplyStagesStillSeeTheirEvents(Kind kind) {
        try (InteropChild child = InteropChild.of(kind, "one")
                .macros("mail", "{mail_addr} {mail_host}")
                .macros("connect", "{client_name} j")
                .noReply("header", "body")
                .tcp()
                .start();
             Rig rig = Rig.start(child)) {
            assertTrue(child.postfixSpec().startsWith("inet:127.0.0.1:"), child.postfixSpec());
            assertTrue(rig.send(List.of("rcpt@example.net"), message("macros")).accepted());

            List<String> events = child.awaitEvent("close", WAIT);
            assertTrue(events.contains("macro mail {mail_addr}=sender@example.org"), events::toString);
            assertTrue(events.contains("macro connect j=postfix.interop.test"), events::toString);
            assertTrue(events.contains("header Subject: macros"), events::toString);
            assertTrue(events.stream().anyMatch(e -> e.startsWith("body ")), events::toString);
            assertTrue(events.stream().anyMatch(e -> e.startsWith("negotiate version=6 actions=0x1ff protocol=0x")),
                    events::toString);
            assertNoComplaints(child);
        }
    }

    @Test
    void bothChildrenLogTheSameEventsForTheSameSession() throws NoSuchAlgorithmException {
        UnaryOperator<InteropChild.Builder> script = builder -> builder
                .rule("rcpt:<later@=tempfail")
                .edit("add-header:X-Interop:{name}")
                .macros("mail", "{mail_addr}")
                .macros("eom", "{msg_id} i");
        List<String> c = eventsBehindPostfix(script.apply(InteropChild.c("child")));
        List<String> python = eventsBehindPostfix(script.apply(InteropChild.python("child")));

        assertEquals(InteropChild.comparable(c), InteropChild.comparable(python));
        String bodyHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(BODY.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)));
        for (String expected : List.of("helo client.interop.test", "mail <early@example.org> BODY=8BITMIME",
                "abort", "unknown XPING", "mail <sender@example.org>",
                "macro mail {mail_addr}=sender@example.org", "rcpt <now@example.net>", "rcpt <later@example.net>",
                "data", "header Subject: same mail", "eoh", "eom bodysha256=" + bodyHash, "close")) {
            assertTrue(c.contains(expected), () -> "no \"" + expected + "\" in " + c);
        }
        assertTrue(c.get(1).matches("connect host=\\[127\\.0\\.0\\.1] family=4 addr=127\\.0\\.0\\.1 port=\\d+"),
                c::toString);
    }

    /**
     * One SMTP session: an aborted transaction (RSET), an unknown command (Postfix passes only its verb), then a
     * message to two recipients.
     */
    private List<String> eventsBehindPostfix(InteropChild.Builder builder) {
        try (InteropChild child = builder.start();
             Rig rig = Rig.start(child);
             SmtpClient client = SmtpClient.connect(rig.postfix().smtpPort())) {
            client.ehlo("client.interop.test");
            assertEquals(250, client.command("MAIL FROM:<early@example.org> BODY=8BITMIME").code(), client::transcript);
            assertEquals(250, client.command("RCPT TO:<dropped@example.net>").code(), client::transcript);
            assertEquals(250, client.rset().code(), client::transcript);
            assertEquals(5, client.command("XPING now").code() / 100, client::transcript);
            SmtpClient.Transaction sent = client.send(FROM, List.of("now@example.net", "later@example.net"),
                    message("same mail"));
            assertTrue(sent.accepted(), () -> client.transcript() + rig.postfix().log());
            client.quit();
            assertEquals("child", rig.sink().await(WAIT).header("X-Interop"));
            List<String> events = child.awaitEvent("close", WAIT);
            assertNoComplaints(child);
            return events;
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void envelopeAndHeaderEditsShowInTheDeliveredMessage(Kind kind) {
        try (InteropChild child = InteropChild.of(kind, "one")
                .edit("change-from:<new-sender@example.org>")
                .edit("add-rcpt:<added@example.net>")
                .edit("add-rcpt-par:<added-par@example.net>:NOTIFY=NEVER")
                .edit("del-rcpt:<gone@example.net>")
                .edit("insert-header:0:X-First:top {name}")
                .edit("change-header:Subject:1:changed by {name}")
                .edit("change-header:X-Drop:1:")
                .edit("progress")
                .start();
             Rig rig = Rig.start(child)) {
            String original = message("to be changed").replace("MIME-Version:", "X-Drop: me\nMIME-Version:");
            assertTrue(rig.send(List.of("kept@example.net", "gone@example.net"), original).accepted());

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            Set<String> recipients = new TreeSet<>(delivered.recipients());
            while (recipients.size() < 3) { // Postfix may split the recipients over several deliveries
                recipients.addAll(rig.sink().await(WAIT).recipients());
            }
            assertEquals("new-sender@example.org", delivered.from());
            assertEquals(Set.of("kept@example.net", "added@example.net", "added-par@example.net"), recipients);
            assertEquals("changed by one", delivered.header("Subject"), delivered::toString);
            assertNull(delivered.header("X-Drop"), delivered::toString);
            assertTrue(delivered.text().startsWith("X-First: top one\r\nReceived: "), delivered::toString);
            assertNoComplaints(child);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void quarantineHoldsTheMessage(Kind kind) {
        try (InteropChild child = InteropChild.of(kind, "one").edit("quarantine:held by {name}").start();
             Rig rig = Rig.start(child)) {
            assertTrue(rig.send(List.of("rcpt@example.net"), message("hold me")).accepted());

            // Postfix 3.7 logs the hold without the milter's reason.
            String log = rig.postfix().awaitLog("milter-hold: END-OF-MESSAGE", WAIT);
            assertTrue(rig.sink().poll(Duration.ofMillis(300)).isEmpty(), log);
        }
    }

    @Test
    void postfixChainingShowsTheFirstChildsAddedHeaderToTheSecond() {
        try (InteropChild c = InteropChild.c("c").edit("add-header:X-Added-{name}:by {name}").tcp().start();
             InteropChild python = InteropChild.python("py").edit("add-header:X-Added-{name}:by {name}").start();
             Rig rig = Rig.start(c, python)) {
            assertTrue(rig.send(List.of("rcpt@example.net"), message("chained")).accepted());

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            assertEquals("by c", delivered.header("X-Added-c"), delivered::toString);
            assertEquals("by py", delivered.header("X-Added-py"), delivered::toString);
            List<String> second = python.awaitEvent("close", WAIT);
            assertTrue(second.contains("header X-Added-c: by c"), second::toString);
            List<String> first = c.awaitEvent("close", WAIT);
            assertFalse(first.stream().anyMatch(e -> e.startsWith("header X-Added-")), first::toString);
            assertNull(delivered.header("X-Added-nobody"));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aChildThatCannotStartFailsLoudlyWithItsOutput(Kind kind) {
        IllegalStateException failure = assertThrows(IllegalStateException.class,
                () -> InteropChild.of(kind, "broken").rule("nostage=reject").start());
        assertTrue(failure.getMessage().contains("before accepting connections"), failure::getMessage);
        assertTrue(failure.getMessage().contains("-r nostage=reject"), failure::getMessage);
    }

    /** The children report refused library calls (an edit not negotiated, a bad reply) on their output. */
    private static void assertNoComplaints(InteropChild child) {
        String output = child.output();
        assertFalse(output.contains("refused") || output.contains("failed") || output.contains("Traceback"), output);
    }
}
