package dev.miltermanager.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The manager's promise (design.md §3): moving from {@code smtpd_milters = a, b, c} to
 * {@code smtpd_milters = <the manager>} with the same children in the same order changes nothing that the SMTP
 * client or the next hop sees, and — but for one documented difference — nothing that a child sees. The same mail
 * goes through real Postfix twice, once with Postfix chaining three real children (one libmilter, two pymilter)
 * and once through the manager, and the two passes are compared: the SMTP replies, the delivered messages (queue
 * ids and the Received: header masked) and each child's event log.
 *
 * <p>The children: {@code a} (C) adds a header and tempfails recipient {@code busy@}; {@code b} (Python) adds a
 * header and replaces the body with one larger than a body packet; {@code c} (Python) adds a header, inserts two
 * (above Postfix's Received: and in the middle) and rejects a subject with the word "lottery". Each sees the earlier
 * children's edits in both passes.
 */
class PostfixChainingVersusManagerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String FROM = "sender@example.org";
    /** Postfix's own milter timeouts in the failure tests; the manager's child timeouts are lower still. */
    private static final String POSTFIX_MILTER_TIMEOUT = "3s";
    private static final Duration POSTFIX_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(1);

    private static InteropChild a;
    private static InteropChild b;
    private static InteropChild c;
    private static Pass chained;
    private static Pass managed;

    @BeforeAll
    static void runTheSameMailBothWays() {
        a = InteropChild.c("a").tcp()
                .edit("add-header:X-Checked-A:seen by {name}")
                .rule("rcpt:<busy@=tempfail")
                .start();
        b = InteropChild.python("b")
                .edit("add-header:X-Checked-B:seen by {name}")
                .edit("replace-body:" + replacementBody())
                .start();
        c = InteropChild.python("c")
                .edit("add-header:X-Checked-C:seen by {name}")
                .edit("insert-header:0:X-Top-C:inserted by {name}")
                .edit("insert-header:3:X-Third-C:inserted by {name}")
                .rule("header:lottery=reply:550:5.7.1:no lottery mail, says {name}")
                .start();
        chained = Pass.chained(PostfixChainingVersusManagerTest::sameMail, 4, a.postfixSpec(), b.postfixSpec(),
                c.postfixSpec());
        managed = Pass.managed(PostfixChainingVersusManagerTest::sameMail, 4, managerWith(Status.ACCEPT,
                childOf(a), childOf(b), childOf(c)), Map.of());
    }

    @AfterAll
    static void stopChildren() {
        for (InteropChild child : new InteropChild[] {a, b, c}) {
            if (child != null) {
                child.close();
            }
        }
    }

    // ---- the same mail, chained by Postfix and through the manager ----

    @Test
    void smtpRepliesAreTheSame() {
        assertEquals(chained.transcripts(), managed.transcripts());
        String second = managed.transcripts().get(1);
        assertTrue(second.contains("< 550 5.7.1 no lottery mail, says c"), second);
        assertTrue(second.contains("> RCPT TO:<busy@example.net>\n< 451 4.7.1"), second);
        assertTrue(second.contains("> RCPT TO:<two@example.net>\n< 250"), second);
    }

    @Test
    void deliveredMessagesAreTheSame() {
        assertEquals(chained.delivered(), managed.delivered());
        assertEquals(4, managed.delivered().size(), "plain, three recipients, 8-bit, large; not the lottery one");
        String threeRecipients = managed.delivered().stream().filter(m -> m.contains("<busy@example.org>"))
                .findFirst().orElseThrow();
        assertTrue(threeRecipients.startsWith(FROM + " [one@example.net, two@example.net]\n"), threeRecipients);
        for (String message : managed.delivered()) {
            assertTrue(message.contains("\nX-Top-C: inserted by c\r\nReceived: *\r\n"), message);
            assertTrue(message.contains("X-Checked-A: seen by a\r\nX-Checked-B: seen by b\r\n"
                    + "X-Checked-C: seen by c\r\n\r\nReplaced by b.\r\nGrüße aus dem Milter\r\n"), message);
        }
    }

    /**
     * Every child sees the same events in both passes, the earlier children's header edits and replaced body
     * included (the logs carry each header and a hash of the body), except one thing: Postfix stops a recipient at
     * the first milter that refuses it, while the manager sends RCPT to all children at once, so {@code b} and
     * {@code c} see {@code busy@} only through the manager. The MTA's answer is the same (see docs/manager.md).
     */
    @Test
    void childrenSeeTheSameEventsButARecipientAnEarlierChildRefused() {
        assertEquals(chained.logs().get("a"), managed.logs().get("a"));
        for (String later : List.of("b", "c")) {
            List<String> viaManager = managed.logs().get(later);
            assertTrue(viaManager.contains("rcpt <busy@example.net>"), viaManager::toString);
            assertFalse(chained.logs().get(later).contains("rcpt <busy@example.net>"));
            assertEquals(chained.logs().get(later), withoutRecipient(viaManager, "<busy@example.net>"), later);
        }
        List<String> replayed = managed.logs().get("c");
        assertTrue(replayed.contains("header X-Checked-B: seen by b"), replayed::toString);
        assertTrue(replayed.contains("header X-Folded: first part\\n\\tsecond part"), replayed::toString);
    }

    /**
     * The two options for speed: with {@code reuse_connection} the manager keeps its connections to the children
     * between SMTP sessions and starts the next session on them with {@code K}; with {@code defer_content_replies}
     * Postfix does not wait for the manager's answers to headers and body, and the lottery reject comes at end of
     * message. The SMTP replies, the delivered mail and the events the real children see stay the same, but for the
     * negotiations left out.
     */
    @Test
    void theOptionsForSpeedChangeNothingButTheNegotiations() {
        Pass reused = Pass.managed(PostfixChainingVersusManagerTest::sameMail, 4, managerWith(Status.ACCEPT,
                kept(a), kept(b), kept(c)).toBuilder().deferContentReplies(true).build(), Map.of());

        assertEquals(managed.transcripts(), reused.transcripts());
        assertEquals(managed.delivered(), reused.delivered());
        for (String child : List.of("a", "b", "c")) {
            assertEquals(withoutNegotiation(managed.logs().get(child)), withoutNegotiation(reused.logs().get(child)),
                    child);
            long before = negotiations(managed.logs().get(child));
            long after = negotiations(reused.logs().get(child));
            assertTrue(after < before, () -> child + " negotiated " + after + " times with kept connections, "
                    + before + " without");
        }
    }

    /**
     * A child that cannot modify the message is fed in step, so its reject at a header reaches Postfix at that
     * header; with {@code defer_content_replies} it reaches Postfix at end of message. Postfix gives the SMTP client
     * the same reply either way, after the message's final dot.
     */
    @Test
    void aHeaderRejectGivenAtEndOfMessageGivesTheSameSmtpReply() throws IOException {
        try (FakeMilter reader = FakeMilter.builder().actions(0)
                .on(Stage.HEADER, "lottery", FakeReply.replyCode("550 5.7.1 no lottery here"))
                .start()) {
            IntFunction<List<String>> mail = port -> List.of(
                    oneMessage(port, List.of("one@example.net"), message("lottery", "You won the lottery", "Hi.\n")),
                    oneMessage(port, List.of("one@example.net"), message("fine", "hello", "Hi.\n")));
            MilterManagerConfig config = managerWith(Status.ACCEPT,
                    ChildConfig.builder("reader", reader.connectionSpec()).build());
            Pass atHeader = Pass.managed(mail, 1, config, Map.of());
            Pass atEnd = Pass.managed(mail, 1, config.toBuilder().deferContentReplies(true).build(), Map.of());

            assertEquals(atHeader.transcripts(), atEnd.transcripts());
            assertEquals(atHeader.delivered(), atEnd.delivered());
            String rejected = atEnd.transcripts().getFirst();
            assertTrue(rejected.contains("> <message>\n< 550 5.7.1 no lottery here"), rejected);
        }
    }

    private static ChildConfig kept(InteropChild child) {
        return childOf(child).toBuilder().reuseConnection(true).build();
    }

    private static List<String> withoutNegotiation(List<String> log) {
        return log.stream().filter(line -> !line.startsWith("negotiate ")).toList();
    }

    private static long negotiations(List<String> log) {
        return log.size() - withoutNegotiation(log).size();
    }

    // ---- failing children ----

    /**
     * A child that cannot be reached: Postfix's per-milter {@code default_action} and the manager's child
     * {@code fallbackStatus} (with {@code manager.fallback_status} the same) give the same SMTP replies and mail.
     */
    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"ACCEPT", "TEMPORARY_FAILURE"})
    void aChildThatIsDownGivesItsFallbackAsPostfixsDefaultAction(Status fallback) throws IOException {
        String down = "127.0.0.1:" + InteropChild.freePort();
        String postfixAction = fallback == Status.ACCEPT ? "accept" : "tempfail";
        IntFunction<List<String>> mail = port -> List.of(oneMessage(port, List.of("one@example.net",
                "two@example.net"), message("down", "one child is down", "Hello.\n")));
        int deliveries = fallback == Status.ACCEPT ? 1 : 0;
        Pass viaPostfix = Pass.chained(mail, deliveries, "{ inet:" + down + ", default_action=" + postfixAction + " }",
                a.postfixSpec(), b.postfixSpec(), c.postfixSpec());
        Pass viaManager = Pass.managed(mail, deliveries, managerWith(fallback,
                ChildConfig.builder("down", ConnectionSpec.parse("inet:" + down)).fallbackStatus(fallback).build(),
                childOf(a), childOf(b), childOf(c)), Map.of());

        assertEquals(viaPostfix.transcripts(), viaManager.transcripts());
        assertEquals(viaPostfix.delivered(), viaManager.delivered());
        if (fallback == Status.ACCEPT) {
            assertEquals(viaPostfix.logs(), viaManager.logs());
            assertTrue(viaManager.delivered().getFirst().contains("X-Checked-C: seen by c"));
        } else {
            String transcript = viaManager.transcripts().getFirst();
            assertTrue(transcript.contains("> MAIL FROM:<" + FROM + ">\n< 451 4.7.1"), transcript);
            // Postfix does not go on to the other milters; the manager has negotiated with them and lets them go.
            assertEquals(Map.of("a", List.of(), "b", List.of(), "c", List.of()), viaPostfix.logs());
            assertEquals(List.of("negotiate version=6 actions=0x1ff protocol=0x1fffff"), viaManager.logs().get("a"));
        }
    }

    /**
     * A child that hangs, at RCPT and at end of message: the manager gives up after the child's timeout (1 s),
     * counts its fallback (temporary-failure) and answers Postfix well before Postfix's own milter timeouts (3 s)
     * would have applied Postfix's default action (accept, so a late answer would show). After the failure the
     * manager goes on without that child — where Postfix chaining the same child tempfails the rest of the SMTP
     * session (a documented difference).
     */
    @Test
    void aHangingChildGivesItsFallbackBeforePostfixTimesOut() throws IOException {
        try (FakeMilter hanging = FakeMilter.builder()
                .on(Stage.RCPT, "<hang@", FakeReply.SILENCE)
                .on(Stage.EOM, (session, command) ->
                        session.recipients().contains("<slow@example.net>") ? FakeReply.SILENCE : null)
                .start()) {
            List<Duration> waits = new ArrayList<>();
            IntFunction<List<String>> mail = port -> {
                List<String> transcripts = new ArrayList<>();
                try (SmtpClient client = SmtpClient.connect(port)) {
                    client.ehlo("client.interop.test");
                    client.command("MAIL FROM:<" + FROM + ">");
                    client.command("RCPT TO:<one@example.net>");
                    waits.add(timed(() -> client.command("RCPT TO:<hang@example.net>")));
                    client.command("RCPT TO:<two@example.net>");
                    if (client.command("DATA").code() == 354) {
                        client.command(message("hang", "a child hangs at RCPT", "Hello.\n").replace("\n", "\r\n")
                                + ".");
                    }
                    client.quit();
                    transcripts.add(client.transcript());
                }
                long start = System.nanoTime();
                transcripts.add(oneMessage(port, List.of("slow@example.net"),
                        message("slow", "a child hangs at end of message", "Hello.\n")));
                waits.add(Duration.ofNanos(System.nanoTime() - start));
                return transcripts;
            };
            ChildConfig hangingChild = ChildConfig.builder("hanging", hanging.connectionSpec())
                    .fallbackStatus(Status.TEMPORARY_FAILURE).readingTimeout(CHILD_TIMEOUT)
                    .writingTimeout(CHILD_TIMEOUT).endOfMessageTimeout(CHILD_TIMEOUT).build();
            Pass viaManager = Pass.managed(mail, 1, managerWith(Status.ACCEPT, childOf(a), childOf(b), childOf(c),
                    hangingChild), Map.of("milter_default_action", "accept",
                    "milter_command_timeout", POSTFIX_MILTER_TIMEOUT, "milter_content_timeout", POSTFIX_MILTER_TIMEOUT));

            String rcptHang = viaManager.transcripts().get(0);
            assertTrue(rcptHang.contains("> RCPT TO:<hang@example.net>\n< 451 4.7.1"), rcptHang);
            assertTrue(rcptHang.contains("> RCPT TO:<two@example.net>\n< 250"), rcptHang);
            assertTrue(rcptHang.contains("< 250 2.0.0 Ok: queued as"), rcptHang);
            String eomHang = viaManager.transcripts().get(1);
            assertTrue(eomHang.contains("> <message>\n< 451 4.7.1"), eomHang);
            for (Duration wait : waits) {
                assertTrue(wait.compareTo(CHILD_TIMEOUT) >= 0 && wait.compareTo(POSTFIX_TIMEOUT) < 0,
                        () -> "the manager answered after " + waits + "; child timeout " + CHILD_TIMEOUT
                                + ", Postfix's " + POSTFIX_TIMEOUT);
            }
            String delivered = viaManager.delivered().getFirst();
            assertTrue(delivered.startsWith(FROM + " [one@example.net, two@example.net]\n"), delivered);
            assertTrue(delivered.contains("X-Checked-C: seen by c"), delivered);

            // Postfix chaining the same child, with the same timeout and default action: after the failure the
            // child's default action answers every later command of the SMTP session.
            String postfixHanging = "{ " + postfixSpec(hanging.connectionSpec()) + ", command_timeout=1s,"
                    + " content_timeout=1s, default_action=tempfail }";
            Pass viaPostfix = Pass.chained(mail, 0, a.postfixSpec(), b.postfixSpec(), c.postfixSpec(), postfixHanging);
            String chainedRcptHang = viaPostfix.transcripts().get(0);
            assertTrue(chainedRcptHang.contains("> RCPT TO:<hang@example.net>\n< 451 4.7.1"), chainedRcptHang);
            assertTrue(chainedRcptHang.contains("> RCPT TO:<two@example.net>\n< 451 4.7.1"), chainedRcptHang);
            assertTrue(chainedRcptHang.contains("> DATA\n< 451 4.7.1"), chainedRcptHang);
            assertEquals(eomHang, viaPostfix.transcripts().get(1), "a hang at end of message: the same answer");
        }
    }

    // ---- the mail, the passes, the comparison ----

    /** The mail of the main comparison: 3 SMTP sessions, 5 messages, 4 of them delivered. */
    private static List<String> sameMail(int port) {
        List<String> transcripts = new ArrayList<>();
        transcripts.add(oneMessage(port, List.of("one@example.net"), message("plain",
                "plain\nX-Folded: first part\n\tsecond part\nX-Empty:\nX-Spaces:   three spaces", "Hello.\n")));
        try (SmtpClient client = SmtpClient.connect(port)) { // several messages on one connection
            client.ehlo("client.interop.test");
            client.send(FROM, List.of("one@example.net"),
                    message("lottery", "You won the lottery", "Claim it.\n"));
            client.send(FROM, List.of("one@example.net", "busy@example.net", "two@example.net"),
                    message("busy", "three recipients", "One of them is busy.\n"));
            client.send(FROM, List.of("one@example.net"),
                    message("8bit", "Grüße", "Grüße, ünïcödé, 8-bit body\n.a line with a dot\n"));
            client.quit();
            transcripts.add(client.transcript());
        }
        StringBuilder large = new StringBuilder();
        for (int i = 0; large.length() < 200_000; i++) {
            large.append("large body line ").append(i).append(" ------------------------------------------\n");
        }
        transcripts.add(oneMessage(port, List.of("one@example.net"), message("large", "large", large.toString())));
        return transcripts;
    }

    /** b's new body, in the children's script syntax: 8-bit text, a line with a dot, larger than one packet. */
    private static String replacementBody() {
        StringBuilder text = new StringBuilder("Replaced by {name}.\\nGrüße aus dem Milter\\n.a line with a dot\\n");
        for (int i = 0; text.length() < 70_000; i++) {
            text.append("replacement line ").append(i).append(" ----------------------------------------\\n");
        }
        return text.toString();
    }

    private static String message(String id, String subject, String body) {
        return """
                From: Sender <sender@example.org>
                To: Receiver <rcpt@example.net>
                Subject: %s
                Date: Fri, 27 Nov 2026 12:00:00 +0000
                Message-ID: <%s@example.org>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=UTF-8
                Content-Transfer-Encoding: 8bit

                %s""".formatted(subject, id, body);
    }

    private static String oneMessage(int port, List<String> recipients, String message) {
        try (SmtpClient client = SmtpClient.connect(port)) {
            client.ehlo("client.interop.test");
            client.send(FROM, recipients, message);
            client.quit();
            return client.transcript();
        }
    }

    private static Duration timed(Runnable action) {
        long start = System.nanoTime();
        action.run();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static ChildConfig childOf(InteropChild child) {
        return ChildConfig.of(child.name(), ConnectionSpec.parse(child.connectionSpec()));
    }

    private static MilterManagerConfig managerWith(Status fallback, ChildConfig... children) {
        MilterManagerConfig.Builder config = MilterManagerConfig.builder()
                .connectionSpec(ConnectionSpec.parse("inet:0@[127.0.0.1]"))
                .fallbackStatus(fallback);
        for (ChildConfig child : children) {
            config.addChild(child);
        }
        return config.build();
    }

    /** {@code inet:PORT@[127.0.0.1]} in Postfix's spelling. */
    private static String postfixSpec(ConnectionSpec spec) {
        ConnectionSpec.Inet inet = (ConnectionSpec.Inet) spec;
        return "inet:127.0.0.1:" + inet.port();
    }

    /** A child's log without one recipient's line and the macro lines that follow it. */
    private static List<String> withoutRecipient(List<String> log, String recipient) {
        List<String> kept = new ArrayList<>();
        boolean skipping = false;
        for (String line : log) {
            skipping = line.equals("rcpt " + recipient) || (skipping && line.startsWith("macro rcpt "));
            if (!skipping) {
                kept.add(line);
            }
        }
        return kept;
    }

    /**
     * What one pass of mail through a fresh Postfix gave: the SMTP transcripts (queue ids masked), the delivered
     * messages as {@code "FROM [RECIPIENTS]\n"} and their text with the Received: field masked, sorted, and what
     * each of {@code a}, {@code b}, {@code c} logged meanwhile (client port and queue id masked, and without the
     * {@code close} lines: a child may log the end of one session after the start of the next).
     */
    private record Pass(List<String> transcripts, List<String> delivered, Map<String, List<String>> logs) {

        static Pass chained(IntFunction<List<String>> mail, int deliveries, String... smtpdMilters) {
            return run(mail, deliveries, sink -> PostfixInstance.builder().relayTo(sink).milters(smtpdMilters));
        }

        static Pass managed(IntFunction<List<String>> mail, int deliveries, MilterManagerConfig config,
                Map<String, String> settings) {
            try (MilterManager manager = MilterManager.create(config).start()) {
                return run(mail, deliveries, sink -> {
                    PostfixInstance.Builder postfix = PostfixInstance.builder().relayTo(sink)
                            .milters(postfixSpec(manager.localSpec()));
                    settings.forEach(postfix::set);
                    return postfix;
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the manager", e);
            }
        }

        private static Pass run(IntFunction<List<String>> mail, int deliveries,
                Function<SmtpSink, PostfixInstance.Builder> postfixFor) {
            Map<InteropChild, Integer> marks = new LinkedHashMap<>();
            for (InteropChild child : new InteropChild[] {a, b, c}) {
                marks.put(child, child.events().size());
            }
            List<String> transcripts;
            List<String> delivered = new ArrayList<>();
            try (SmtpSink sink = SmtpSink.start();
                 PostfixInstance postfix = postfixFor.apply(sink).start()) {
                transcripts = mail.apply(postfix.smtpPort()).stream()
                        .map(t -> t.replaceAll("queued as [0-9A-F]+", "queued as *")).toList();
                for (int i = 0; i < deliveries; i++) {
                    SmtpSink.Message m = sink.await(WAIT);
                    delivered.add(m.from() + " " + m.recipients() + "\n"
                            + m.text().replaceAll("(?m)^Received:.*\r\n([ \t].*\r\n)*", "Received: *\r\n"));
                }
                Optional<SmtpSink.Message> extra = sink.poll(Duration.ofMillis(300));
                assertTrue(extra.isEmpty(), () -> "unexpected delivery: " + extra);
            }
            delivered.sort(null);
            // Postfix has quit every milter session by now; their last lines ("close") may still be on the way.
            Map<String, List<String>> logs = new LinkedHashMap<>();
            marks.forEach((child, mark) -> logs.put(child.name(), settledLog(child, mark)));
            return new Pass(transcripts, delivered, logs);
        }

        /** The lines after {@code mark}, once every session begun there has logged its close. */
        private static List<String> settledLog(InteropChild child, int mark) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                List<String> lines = child.events();
                lines = lines.subList(Math.min(mark, lines.size()), lines.size());
                // every connection negotiated and every SMTP session ends with a close, also one ended by K on a
                // connection the manager keeps
                long opened = Math.max(lines.stream().filter(l -> l.startsWith("negotiate ")).count(),
                        lines.stream().filter(l -> l.startsWith("connect ")).count());
                long closed = lines.stream().filter("close"::equals).count();
                if (opened <= closed || System.nanoTime() > deadline) {
                    return InteropChild.comparable(lines.stream().filter(l -> !l.equals("close")).toList());
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
    }
}
