package dev.miltermanager.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.interop.JavaMilterRig.Transport;
import dev.miltermanager.milter.MilterSpec;
import dev.miltermanager.milter.Verdict;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real Postfix uses our Java {@link dev.miltermanager.milter.MilterServer} through {@code smtpd_milters}: what the
 * milter does shows in the SMTP replies and in the messages Postfix delivers to the sink. Each test starts its own
 * server, Postfix and sink and stops them; Postfix's milter timeouts are 10 s, so a milter that fails to answer
 * fails the test instead of hanging it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PostfixUsesJavaMilterTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String FROM = "sender@example.org";
    private static final String BODY = "Hello, Java milter.\n.leading dot\nGrüße\n";

    /** A complete message (Postfix adds no header but Received:) with repeated and droppable headers. */
    private static String message(String subject) {
        return """
                From: Sender <sender@example.org>
                To: Receiver <rcpt@example.net>
                Subject: %s
                Date: Fri, 27 Nov 2026 12:00:00 +0000
                Message-ID: <java-milter-%d@example.org>
                X-Multi: first
                X-Multi: second
                X-Multi: third
                X-Drop: me
                MIME-Version: 1.0
                Content-Type: text/plain; charset=UTF-8
                Content-Transfer-Encoding: 8bit

                %s""".formatted(subject, Math.abs(subject.hashCode()), BODY);
    }

    private static MilterSpec actions(Action... actions) {
        return MilterSpec.builder().actions(actions).build();
    }

    // ---------------------------------------------------------------- header edits

    @ParameterizedTest
    @EnumSource(Transport.class)
    void headerEditsLandWherePostfixPutsThem(Transport transport) {
        try (JavaMilterRig rig = JavaMilterRig.builder(transport)
                .spec(actions(Action.ADD_HEADERS, Action.CHANGE_HEADERS)).start()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.addHeader("X-Added", "appended");
                editor.insertHeader(0, "X-Top", "above Received");
                editor.changeHeader("Subject", 1, "changed subject");
                editor.changeHeader("X-Multi", 2, "second, changed");
                editor.deleteHeader("X-Drop", 1);
                editor.addHeader("X-Folded", "first line\n\tsecond line");
                editor.addHeader("X-Utf8", "Grüße aus Köln ✓");
                editor.addHeader("X-Copy", seen.headers().stream().filter(h -> h.startsWith("X-Greeting: "))
                        .findFirst().orElseThrow().substring("X-Greeting: ".length()));
                return Verdict.CONTINUE;
            });
            String original = message("edit my headers")
                    .replace("MIME-Version:", "X-Greeting: Grüße,\n\tfolded\nMIME-Version:");
            SmtpClient.Transaction sent = rig.send(FROM, List.of("rcpt@example.net"), original);
            assertTrue(sent.accepted(), () -> sent + rig.diagnostics());

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            List<String> lines = List.of(delivered.headerSection().split("\r\n"));
            assertEquals("X-Top: above Received", lines.get(0), delivered::toString);
            assertTrue(lines.get(1).startsWith("Received: from client.interop.test"), delivered::toString);
            int from = lines.indexOf("From: Sender <sender@example.org>");
            assertEquals(List.of(
                    "From: Sender <sender@example.org>",
                    "To: Receiver <rcpt@example.net>",
                    "Subject: changed subject",
                    "Date: Fri, 27 Nov 2026 12:00:00 +0000",
                    "Message-ID: <java-milter-" + Math.abs("edit my headers".hashCode()) + "@example.org>",
                    "X-Multi: first",
                    "X-Multi: second, changed",
                    "X-Multi: third",
                    "X-Greeting: Grüße,",
                    "\tfolded",
                    "MIME-Version: 1.0",
                    "Content-Type: text/plain; charset=UTF-8",
                    "Content-Transfer-Encoding: 8bit",
                    "X-Added: appended",
                    "X-Folded: first line",
                    "\tsecond line",
                    "X-Utf8: Grüße aus Köln ✓",
                    "X-Copy: Grüße,",
                    "\tfolded"), lines.subList(from, lines.size()), delivered::toString);
            assertEquals(BODY.replace("\n", "\r\n"), delivered.body());

            List<String> headers = rig.script().lines().stream().filter(l -> l.startsWith("header ")).toList();
            assertEquals("header From: Sender <sender@example.org>", headers.getFirst(),
                    "Postfix hides its own Received: header from the milter");
            assertTrue(headers.contains("header X-Greeting: Grüße,\n\tfolded"),
                    () -> "folded with a bare LF, decoded as UTF-8: " + headers);
        }
    }

    @Test
    void insertIndexesCountTheDeliveredHeadersReceivedAndEarlierInsertsIncluded() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).spec(actions(Action.ADD_HEADERS)).start()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.insertHeader(1, "X-At-1", "one");
                editor.insertHeader(3, "X-At-3", "three");
                return Verdict.CONTINUE;
            });
            assertTrue(rig.send(FROM, List.of("rcpt@example.net"), message("insert")).accepted(), rig::diagnostics);

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            List<String> names = Arrays.stream(delivered.headerSection().split("\r\n"))
                    .filter(line -> !line.startsWith("\t") && !line.startsWith(" "))
                    .map(line -> line.substring(0, line.indexOf(':')))
                    .toList();
            assertEquals(List.of("Received", "X-At-1", "From", "X-At-3", "To", "Subject"), names.subList(0, 6),
                    delivered::toString);
        }
    }

    @Test
    void changeAndDeleteIndexesCountTheLiveHeadersOfThatName() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP)
                .spec(actions(Action.ADD_HEADERS, Action.CHANGE_HEADERS)).start()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.changeHeader("From", 1, "Changed <changed@example.org>"); // the first header
                editor.deleteHeader("X-Multi", 1);
                editor.changeHeader("X-Multi", 2, "was third"); // counts after the delete above
                editor.changeHeader("X-Multi", 5, "past the last"); // appended
                editor.changeHeader("X-Missing", 1, "added by a change"); // appended
                editor.deleteHeader("X-Also-Missing", 1); // nothing to do
                return Verdict.CONTINUE;
            });
            assertTrue(rig.send(FROM, List.of("rcpt@example.net"), message("indexes")).accepted(), rig::diagnostics);

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            List<String> lines = List.of(delivered.headerSection().split("\r\n"));
            int from = lines.indexOf("From: Changed <changed@example.org>");
            assertEquals(3, from, delivered::toString); // after the three lines of Received:
            assertEquals(List.of(
                    "From: Changed <changed@example.org>",
                    "To: Receiver <rcpt@example.net>",
                    "Subject: indexes",
                    "Date: Fri, 27 Nov 2026 12:00:00 +0000",
                    "Message-ID: <java-milter-" + Math.abs("indexes".hashCode()) + "@example.org>",
                    "X-Multi: second",
                    "X-Multi: was third",
                    "X-Drop: me",
                    "MIME-Version: 1.0",
                    "Content-Type: text/plain; charset=UTF-8",
                    "Content-Transfer-Encoding: 8bit",
                    "X-Multi: past the last",
                    "X-Missing: added by a change"), lines.subList(from, lines.size()), delivered::toString);
        }
    }

    // ---------------------------------------------------------------- body replacement

    @ParameterizedTest
    @EnumSource(Transport.class)
    void bodyReplacementDeliversTheExactBytes(Transport transport) {
        String replacement = "Replaced by the Java milter.\r\n.a dot line\r\nÜmläut\r\n";
        try (JavaMilterRig rig = JavaMilterRig.builder(transport).spec(actions(Action.CHANGE_BODY)).start()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.replaceBody(replacement.getBytes(StandardCharsets.UTF_8));
                return Verdict.CONTINUE;
            });
            assertTrue(rig.send(FROM, List.of("rcpt@example.net"), message("small body")).accepted(),
                    rig::diagnostics);

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            assertEquals(replacement, delivered.body(), delivered::toString);
            assertEquals("small body", delivered.header("Subject"));
        }
    }

    @Test
    void aBodyOver64KiBArrivesWholeAfterSeveralReplaceBodyPackets() {
        byte[] replacement = largeBody(200_000);
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).tapped().spec(actions(Action.CHANGE_BODY))
                .start()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.replaceBody(Arrays.copyOfRange(replacement, 0, 70_000));
                editor.replaceBody(Arrays.copyOfRange(replacement, 70_000, replacement.length));
                return Verdict.CONTINUE;
            });
            assertTrue(rig.send(FROM, List.of("rcpt@example.net"), message("large body")).accepted(),
                    rig::diagnostics);

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            byte[] data = delivered.data();
            int bodyStart = delivered.headerSection().getBytes(StandardCharsets.UTF_8).length + 2;
            assertTrue(Arrays.equals(replacement, Arrays.copyOfRange(data, bodyStart, data.length)),
                    () -> "delivered body differs: " + (data.length - bodyStart) + " bytes, expected "
                            + replacement.length);
            List<Integer> packets = rig.tap().fromMilter('b').stream().map(MilterTap.Packet::dataBytes).toList();
            int last = replacement.length - 3 * 65_535;
            assertEquals(List.of(65_535, 65_535, 65_535, last), packets, "REPLBODY packets of at most 65535 bytes");
        }
    }

    /** Numbered CRLF lines of varying length, some starting with a dot, some 8-bit, at least {@code size} bytes. */
    private static byte[] largeBody(int size) {
        StringBuilder body = new StringBuilder();
        for (int line = 0; body.length() < size; line++) {
            body.append(line % 50 == 0 ? "." : "").append("line ").append(line).append(' ')
                    .append(line % 7 == 0 ? "größer " : "").append("x".repeat(line % 97)).append("\r\n");
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void bodyPiecesCalledBetweenHeaderEditsGoOutTogetherSoPostfixTakesThem() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP)
                .spec(actions(Action.ADD_HEADERS, Action.CHANGE_BODY)).start()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.addHeader("X-Before", "1");
                editor.replaceBody("first piece\r\n".getBytes(StandardCharsets.US_ASCII));
                editor.addHeader("X-Between", "2");
                editor.replaceBody("second piece\r\n".getBytes(StandardCharsets.US_ASCII));
                return Verdict.CONTINUE;
            });
            assertTrue(rig.send(FROM, List.of("rcpt@example.net"), message("interleaved")).accepted(),
                    rig::diagnostics);

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            assertEquals("first piece\r\nsecond piece\r\n", delivered.body(), delivered::toString);
            assertEquals("1", delivered.header("X-Before"));
            assertEquals("2", delivered.header("X-Between"));
            assertFalse(rig.postfix().log().contains("warning"), rig::diagnostics);
        }
    }

    // ---------------------------------------------------------------- envelope edits

    @Test
    void recipientAndSenderEditsReachTheNextHopWithTheirEsmtpParameters() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).sinkWithDsn()
                .spec(actions(Action.ADD_RECIPIENTS, Action.ADD_RECIPIENTS_WITH_ARGS, Action.DELETE_RECIPIENTS,
                        Action.CHANGE_FROM))
                .start()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.addRecipient("<added@example.net>");
                editor.addRecipient("<added-args@example.net>", "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;orig@example.net");
                editor.deleteRecipient("<gone@example.net>");
                editor.changeFrom("<new-sender@example.org>", "RET=HDRS ENVID=env-42");
                return Verdict.CONTINUE;
            });
            SmtpClient.Transaction sent = rig.send(FROM, List.of("kept@example.net", "gone@example.net"),
                    message("envelope"));
            assertTrue(sent.accepted(), () -> sent + rig.diagnostics());

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            Map<String, String> recipients = new TreeMap<>(delivered.recipientParameters());
            while (recipients.size() < 3) { // Postfix may split the recipients over several deliveries
                recipients.putAll(rig.sink().await(WAIT).recipientParameters());
            }
            assertEquals(Set.of("kept@example.net", "added@example.net", "added-args@example.net"),
                    recipients.keySet(), delivered::toString);
            assertEquals("new-sender@example.org", delivered.from());
            assertTrue(delivered.mailParameters().contains("RET=HDRS"), delivered::toString);
            assertTrue(delivered.mailParameters().contains("ENVID=env-42"), delivered::toString);
            String args = recipients.get("added-args@example.net");
            assertTrue(args.contains("NOTIFY=SUCCESS,FAILURE"), args);
            assertTrue(args.contains("ORCPT=rfc822;orig@example.net"), args);
            assertFalse(rig.postfix().log().contains("warning"), rig::diagnostics);
        }
    }

    @Test
    void esmtpParametersPostfixDoesNotTakeAreDroppedWithAWarning() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).sinkWithDsn()
                .spec(actions(Action.ADD_RECIPIENTS_WITH_ARGS, Action.CHANGE_FROM)).start()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.changeFrom("<new-sender@example.org>", "SIZE=100 RET=FULL");
                editor.addRecipient("<added@example.net>", "FOO=bar NOTIFY=NEVER");
                return Verdict.CONTINUE;
            });
            assertTrue(rig.send(FROM, List.of("rcpt@example.net"), message("odd parameters")).accepted(),
                    rig::diagnostics);

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            assertEquals("new-sender@example.org", delivered.from());
            assertEquals("BODY=8BITMIME RET=FULL", delivered.mailParameters(), delivered::toString);
            assertEquals("ORCPT=rfc822;added@example.net NOTIFY=NEVER",
                    delivered.recipientParameters().get("added@example.net"), delivered::toString);
            String log = rig.postfix().log();
            assertTrue(log.contains("warning: Ignoring bad ESMTP parameter \"SIZE=100\" in SMFI_CHGFROM request"),
                    log);
            assertTrue(log.contains("ignoring ESMTP argument from Milter or header/body_checks: \"FOO=bar\""), log);
        }
    }

    // ---------------------------------------------------------------- refusals

    /** Scripts the milter to answer every {@code stage} event with {@code verdict}, then connects a client. */
    private static SmtpClient connectAnswering(JavaMilterRig rig, Stage stage, Response.Decision verdict) {
        rig.script().on(stage, argument -> verdict);
        return rig.connect();
    }

    @Test
    void rejectAtConnectRefusesTheSessionWithTheMilterReply() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).start();
             SmtpClient client = connectAnswering(rig, Stage.CONNECT,
                     Verdict.reject(550, "5.7.1", "no connections from you"))) {
            assertEquals("554 postfix.interop.test ESMTP not accepting connections", client.greeting().toString());
            assertEquals(new SmtpClient.Reply(250, List.of("postfix.interop.test", "ENHANCEDSTATUSCODES")),
                    client.ehlo("client.interop.test"), "a bare EHLO reply");
            assertEquals("550 5.7.1 no connections from you", client.command("MAIL FROM:<" + FROM + ">").toString(),
                    client::transcript);
            rig.script().awaitClosed(1, WAIT); // before QUIT: Postfix has let go of the milter
            client.quit();

            assertEquals(List.of("connect", "close"),
                    rig.script().lines().stream().map(line -> line.split(" ")[0]).toList(),
                    "Postfix ends the milter's part in the session after the reject");
        }
    }

    @Test
    void tempfailAtHeloFailsTheSessionsMailWithTheMilterReply() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).start();
             SmtpClient client = connectAnswering(rig, Stage.HELO,
                     Verdict.tempFail(451, "4.7.1", "greylisted at helo"))) {
            assertEquals(250, client.ehlo("client.interop.test").code(), "Postfix answers EHLO itself");
            assertEquals("451 4.7.1 greylisted at helo", client.command("MAIL FROM:<" + FROM + ">").toString(),
                    client::transcript);
            assertEquals(250, client.command("HELO again.example").code(), client::transcript);
            assertEquals("451 4.7.1 greylisted at helo", client.command("MAIL FROM:<" + FROM + ">").toString(),
                    "a new HELO does not lift the milter's verdict");
            rig.script().awaitClosed(1, WAIT); // before QUIT: Postfix has let go of the milter
            client.quit();

            assertEquals(List.of("connect", "helo", "close"),
                    rig.script().lines().stream().map(line -> line.split(" ")[0]).toList());
        }
    }

    @Test
    void rejectAtMailGivesTheMultiLineMilterReply() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).start();
             SmtpClient client = connectAnswering(rig, Stage.MAIL,
                     Verdict.reject(550, "5.7.1", "sender refused,", "see the policy"))) {
            client.ehlo("client.interop.test");
            SmtpClient.Reply mail = client.command("MAIL FROM:<" + FROM + ">");
            assertEquals(new SmtpClient.Reply(550, List.of("5.7.1 sender refused,", "5.7.1 see the policy")), mail,
                    client::transcript);
            assertEquals(503, client.command("RCPT TO:<rcpt@example.net>").code(), client::transcript);
        }
    }

    @Test
    void rejectAndTempfailAtRcptRefuseOnlyThatRecipient() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).start()) {
            rig.script().on(Stage.RCPT, recipient -> switch (recipient) {
                case "<later@example.net>" -> Verdict.tempFail(451, "4.7.1", "try later");
                case "<never@example.net>" -> Verdict.reject(550, "5.1.1", "no such user here");
                default -> Verdict.CONTINUE;
            });
            SmtpClient.Transaction sent = rig.send(FROM,
                    List.of("now@example.net", "later@example.net", "never@example.net"),
                    message("one recipient waits"));

            assertEquals(250, sent.rcpts().get(0).code(), sent::toString);
            assertEquals("451 4.7.1 try later", sent.rcpts().get(1).toString());
            assertEquals("550 5.1.1 no such user here", sent.rcpts().get(2).toString());
            assertTrue(sent.accepted(), sent::toString);
            assertEquals(List.of("now@example.net"), rig.sink().await(WAIT).recipients());
            assertTrue(rig.script().lines().contains("eom"), rig::diagnostics);
        }
    }

    @Test
    void endOfMessageRefusalsGiveTheirExactRepliesAndDeliverNothing() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).start();
             SmtpClient client = rig.connect()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                String subject = seen.headers().stream().filter(h -> h.startsWith("Subject: ")).findFirst()
                        .orElseThrow().substring("Subject: ".length());
                return switch (subject) {
                    case "reply reject" -> Verdict.reject(550, "5.7.1", "content refused");
                    case "reply tempfail" -> Verdict.tempFail(451, "4.7.1", "scanner busy");
                    case "set reply" -> {
                        editor.setReply(554, "5.7.0", "set with setReply");
                        yield Verdict.REJECT;
                    }
                    case "plain reject" -> Verdict.REJECT;
                    case "plain tempfail" -> Verdict.TEMPFAIL;
                    case "callback throws" -> throw new IllegalStateException("milter bug (intended by the test)");
                    default -> throw new AssertionError(subject);
                };
            });
            client.ehlo("client.interop.test");
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("reply reject", "550 5.7.1 content refused");
            expected.put("reply tempfail", "451 4.7.1 scanner busy");
            expected.put("set reply", "554 5.7.0 set with setReply");
            expected.put("plain reject", "550 5.7.1 Command rejected");
            expected.put("plain tempfail", "451 4.7.1 Service unavailable - try again later");
            expected.put("callback throws", "451 4.7.1 Service unavailable - try again later");
            expected.forEach((subject, reply) -> {
                SmtpClient.Transaction sent = client.send(FROM, List.of("rcpt@example.net"), message(subject));
                assertEquals(reply, sent.endOfData().toString(), () -> client.transcript() + rig.diagnostics());
            });
            assertEquals(221, client.quit().code());
            assertTrue(rig.sink().poll(Duration.ofMillis(500)).isEmpty(), "nothing is delivered");
        }
    }

    @Test
    void shutdownMakesPostfixAnswer421AndHangUp() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).start();
             SmtpClient client = connectAnswering(rig, Stage.RCPT, Verdict.SHUTDOWN)) {
            client.ehlo("client.interop.test");
            assertEquals(250, client.command("MAIL FROM:<" + FROM + ">").code(), client::transcript);
            assertEquals("421 4.7.0 Server closing connection", client.command("RCPT TO:<rcpt@example.net>")
                    .toString(), client::transcript);
            assertThrows(UncheckedIOException.class, () -> client.command("NOOP"), "Postfix hung up");
            rig.script().awaitClosed(1, WAIT);
        }
    }

    @Test
    void discardIsAcceptedOverSmtpButNothingIsDelivered() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).start()) {
            rig.script().atEndOfMessage((editor, seen) -> Verdict.DISCARD);
            SmtpClient.Transaction sent = rig.send(FROM, List.of("rcpt@example.net"), message("discard me"));

            assertTrue(sent.accepted(), sent::toString);
            String log = rig.postfix().awaitLog("milter-discard: END-OF-MESSAGE", WAIT);
            assertTrue(rig.sink().poll(Duration.ofMillis(500)).isEmpty(), log);
        }
    }

    @Test
    void quarantinePutsTheMessageOnHold() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.UNIX).spec(actions(Action.QUARANTINE)).start()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.quarantine("held by the Java milter");
                return Verdict.CONTINUE;
            });
            SmtpClient.Transaction sent = rig.send(FROM, List.of("rcpt@example.net"), message("hold me"));
            assertTrue(sent.accepted(), sent::toString);
            String queueId = sent.endOfData().text().replaceFirst(".*queued as ", "").trim();

            String log = rig.postfix().awaitLog("milter-hold: END-OF-MESSAGE", WAIT);
            assertTrue(log.contains(queueId + ": milter-hold"), log);
            String config = rig.postfix().configDirectory().toString();
            Processes.Result queue = Processes.run(List.of("postqueue", "-c", config, "-p"), WAIT);
            assertTrue(queue.output().contains(queueId + "!"), "'!' marks a held message:\n" + queue.output());
            Processes.Result cat = Processes.run(List.of("postcat", "-c", config, "-hq", queueId), WAIT);
            assertTrue(cat.output().contains("Subject: hold me"), cat.output());
            assertTrue(rig.sink().poll(Duration.ofMillis(300)).isEmpty(), log);
        }
    }

    // ---------------------------------------------------------------- macros

    @Test
    void postfixsDefaultMacrosReachTheMilter() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).start()) {
            SmtpClient.Transaction sent = rig.send(FROM, List.of("rcpt@example.net", "second@example.net"),
                    message("macros"));
            assertTrue(sent.accepted(), sent::toString);
            String queueId = sent.endOfData().text().replaceFirst(".*queued as ", "").trim();
            rig.script().awaitClosed(1, WAIT);

            Map<String, String> connect = rig.script().first("connect ").orElseThrow().stageMacros();
            assertEquals("postfix.interop.test", connect.get("j"), rig::diagnostics);
            assertEquals("postfix.interop.test", connect.get("{daemon_name}"), rig::diagnostics);
            assertTrue(connect.get("v").startsWith("Postfix 3."), rig::diagnostics);
            Map<String, String> mail = rig.script().first("mail ").orElseThrow().stageMacros();
            assertEquals(FROM, mail.get("{mail_addr}"), rig::diagnostics);
            Map<String, String> rcpt = rig.script().first("rcpt <rcpt@").orElseThrow().stageMacros();
            assertEquals("rcpt@example.net", rcpt.get("{rcpt_addr}"), rig::diagnostics);
            assertFalse(rcpt.containsKey("i"), "Postfix has no queue id before the first recipient is accepted");
            Map<String, String> second = rig.script().first("rcpt <second@").orElseThrow().stageMacros();
            assertEquals(queueId, second.get("i"), rig::diagnostics);
            assertEquals(Map.of("i", queueId), rig.script().first("data").orElseThrow().stageMacros());
            assertEquals(Map.of("i", queueId), rig.script().first("eoh").orElseThrow().stageMacros());
            assertEquals(Map.of("i", queueId), rig.script().first("eom").orElseThrow().stageMacros());
        }
    }

    @Test
    void declaredMacroListsReplacePostfixsLists() {
        MilterSpec spec = MilterSpec.builder()
                .macros(MacroStage.CONNECT, "{client_addr}", "{client_port}")
                .macros(MacroStage.ENVFROM, "{mail_addr}")
                .build();
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).spec(spec).start()) {
            assertTrue(rig.send(FROM, List.of("rcpt@example.net"), message("macro lists")).accepted());
            rig.script().awaitClosed(1, WAIT);

            Map<String, String> connect = rig.script().first("connect ").orElseThrow().stageMacros();
            assertEquals(Set.of("{client_addr}", "{client_port}"), connect.keySet(), rig::diagnostics);
            assertEquals("127.0.0.1", connect.get("{client_addr}"));
            assertEquals(Map.of("{mail_addr}", FROM), rig.script().first("mail ").orElseThrow().stageMacros(),
                    rig::diagnostics);
            assertEquals("i", String.join(",", rig.script().first("eom").orElseThrow().stageMacros().keySet()),
                    "stages without a declared list keep Postfix's");
        }
    }

    // ---------------------------------------------------------------- sessions

    @Test
    void severalMessagesOnOneConnectionEachStartClean() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).spec(actions(Action.ADD_HEADERS)).start();
             SmtpClient client = rig.connect()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.addHeader("X-Message", seen.connection() + "." + seen.message());
                editor.addHeader("X-Seen-Recipients", String.join(" ", seen.recipients()));
                editor.addHeader("X-Seen-Subjects", String.join(" ", seen.headers().stream()
                        .filter(h -> h.startsWith("Subject: ")).toList()));
                editor.addHeader("X-Rcpt-Macro", editor.macro("{rcpt_addr}").orElse("none"));
                return Verdict.CONTINUE;
            });
            client.ehlo("client.interop.test");
            assertTrue(client.send(FROM, List.of("one@example.net"), message("first")).accepted(),
                    client::transcript);
            assertEquals(250, client.command("MAIL FROM:<" + FROM + ">").code(), client::transcript);
            assertEquals(250, client.command("RCPT TO:<abandoned@example.net>").code(), client::transcript);
            assertEquals(250, client.rset().code());
            assertTrue(client.send(FROM, List.of("two@example.net"), message("second")).accepted(),
                    client::transcript);
            client.quit();

            Map<String, SmtpSink.Message> bySubject = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                SmtpSink.Message m = rig.sink().await(WAIT);
                bySubject.put(m.header("Subject"), m);
            }
            SmtpSink.Message second = bySubject.get("second");
            assertEquals("1.3", second.header("X-Message"), second::toString);
            assertEquals("<two@example.net>", second.header("X-Seen-Recipients"));
            assertEquals("Subject: second", second.header("X-Seen-Subjects"));
            assertEquals("two@example.net", second.header("X-Rcpt-Macro"));
            assertEquals("<one@example.net>", bySubject.get("first").header("X-Seen-Recipients"));

            rig.script().awaitClosed(1, WAIT);
            List<String> lines = rig.script().lines();
            assertEquals(1, lines.stream().filter("abort"::equals).count(),
                    "abort only for the message abandoned by RSET, not for Postfix's ABORT after each message: "
                            + lines);
            assertEquals("abort", lines.get(lines.indexOf("rcpt <abandoned@example.net>") + 1), lines::toString);
        }
    }

    @Test
    void acceptAtMailLeavesThatMessageAloneAndTheNextOneIsFilteredAgain() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).spec(actions(Action.ADD_HEADERS)).start();
             SmtpClient client = rig.connect()) {
            rig.script().on(Stage.MAIL, sender -> sender.contains("trusted") ? Verdict.ACCEPT : Verdict.CONTINUE);
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.addHeader("X-Filtered", "yes");
                return Verdict.CONTINUE;
            });
            client.ehlo("client.interop.test");
            assertTrue(client.send("trusted@example.org", List.of("rcpt@example.net"), message("trusted"))
                    .accepted(), client::transcript);
            assertTrue(client.send(FROM, List.of("rcpt@example.net"), message("filtered")).accepted(),
                    client::transcript);
            client.quit();

            Map<String, SmtpSink.Message> bySubject = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                SmtpSink.Message m = rig.sink().await(WAIT);
                bySubject.put(m.header("Subject"), m);
            }
            assertNull(bySubject.get("trusted").header("X-Filtered"));
            assertEquals("yes", bySubject.get("filtered").header("X-Filtered"));
            rig.script().awaitClosed(1, WAIT);
            List<String> lines = rig.script().lines();
            assertEquals(List.of("connect", "helo", "mail", "mail", "rcpt", "data"),
                    lines.stream().map(line -> line.split(" ")[0]).toList().subList(0, 6),
                    "nothing of the accepted message after MAIL: " + lines);
            assertEquals(1, lines.stream().filter("eom"::equals).count(), lines::toString);
        }
    }

    @Test
    void skipFromTheBodyCallbackStopsPostfixSendingChunks() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).tapped()
                .spec(MilterSpec.builder().actions(Action.ADD_HEADERS).skip().build()).start()) {
            rig.script().on(Stage.BODY, chunk -> Verdict.SKIP);
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.addHeader("X-Body-Seen", String.valueOf(seen.body().length));
                return Verdict.CONTINUE;
            });
            String body = new String(largeBody(200_000), StandardCharsets.UTF_8).replace("\r\n", "\n");
            String original = message("skip").replace(BODY, body);
            assertTrue(rig.send(FROM, List.of("rcpt@example.net"), original).accepted(), rig::diagnostics);

            SmtpSink.Message delivered = rig.sink().await(WAIT);
            assertEquals(body.replace("\n", "\r\n"), delivered.body(), "the message itself is whole");
            assertEquals(1, rig.tap().packets().stream().filter(p -> !p.fromMilter() && p.code() == 'B').count(),
                    "Postfix sent one body chunk, then end of message");
            assertEquals(1, rig.tap().fromMilter('s').size());
            assertTrue(Integer.parseInt(delivered.header("X-Body-Seen")) <= 65_535, delivered::toString);
        }
    }

    @Test
    void noReplyEventsWorkWithPostfixWhichOffersEveryNoReplyFlag() {
        MilterSpec spec = MilterSpec.builder()
                .actions(Action.ADD_HEADERS)
                .noReply(Stage.CONNECT, Stage.HELO, Stage.MAIL, Stage.RCPT, Stage.DATA, Stage.HEADER, Stage.EOH,
                        Stage.BODY, Stage.UNKNOWN)
                .build();
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.UNIX).spec(spec).start();
             SmtpClient client = rig.connect()) {
            rig.script().on(Stage.HEADER, header -> Verdict.REJECT); // dropped: no reply was declared
            rig.script().atEndOfMessage((editor, seen) -> {
                editor.addHeader("X-Headers-Seen", String.valueOf(seen.headers().size()));
                return Verdict.CONTINUE;
            });
            client.ehlo("client.interop.test");
            assertEquals(5, client.command("XPING now").code() / 100, client::transcript);
            assertTrue(client.send(FROM, List.of("rcpt@example.net"), message("no replies")).accepted(),
                    () -> client.transcript() + rig.diagnostics());
            client.quit();

            assertEquals("12", rig.sink().await(WAIT).header("X-Headers-Seen"));
            int agreed = rig.script().negotiated().getFirst().protocol();
            for (ProtocolFlag flag : List.of(ProtocolFlag.NR_CONNECT, ProtocolFlag.NR_HEADER, ProtocolFlag.NR_BODY,
                    ProtocolFlag.NR_UNKNOWN)) {
                assertTrue(flag.in(agreed), flag + " agreed with Postfix: " + ProtocolFlag.describe(agreed));
            }
            rig.script().awaitClosed(1, WAIT);
            assertTrue(rig.script().lines().contains("unknown XPING"), rig::diagnostics);
            assertFalse(rig.postfix().log().contains("warning"), rig::diagnostics);
        }
    }

    @Test
    void progressKeepsPostfixWaitingPastItsContentTimeoutAndSilenceTempfails() {
        try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).postfix("milter_content_timeout", "2s")
                .start();
             SmtpClient client = rig.connect()) {
            rig.script().atEndOfMessage((editor, seen) -> {
                boolean progress = seen.message() == 1;
                for (int i = 0; i < 3; i++) {
                    sleep(Duration.ofMillis(1_100));
                    if (progress) {
                        editor.progress();
                    }
                }
                return Verdict.CONTINUE;
            });
            client.ehlo("client.interop.test");
            assertTrue(client.send(FROM, List.of("rcpt@example.net"), message("slow with progress")).accepted(),
                    () -> client.transcript() + rig.diagnostics());
            assertEquals("slow with progress", rig.sink().await(WAIT).header("Subject"));
            SmtpClient.Transaction silent = client.send(FROM, List.of("rcpt@example.net"), message("slow, silent"));
            assertEquals("451 4.7.1 Service unavailable - try again later", silent.endOfData().toString(),
                    () -> client.transcript() + rig.diagnostics());
            rig.postfix().awaitLog("can't read SMFIC_BODYEOB reply packet header: Connection timed out", WAIT);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

}
