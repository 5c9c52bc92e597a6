package dev.miltermanager.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The private Postfix with no milter: what goes in at smtpd comes out at the sink, byte for byte. */
class PostfixSmokeTest {

    private static final Duration DELIVERY = Duration.ofSeconds(15);

    private static final String MESSAGE = """
            From: Sender <sender@example.org>
            To: Receiver <rcpt@example.net>
            Subject: smoke test
            Date: Fri, 27 Nov 2026 12:00:00 +0000
            Message-ID: <smoke-1@example.org>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=UTF-8
            Content-Transfer-Encoding: 8bit

            Hello through Postfix.
            .a line that starts with a dot
            Grüße, ünïcödé
            """;

    @Test
    void mailWithoutMilterReachesTheSinkIntact() {
        try (SmtpSink sink = SmtpSink.start();
             PostfixInstance postfix = PostfixInstance.builder().relayTo(sink).start()) {
            SmtpClient.Transaction sent = SmtpClient.sendMail(postfix.smtpPort(), "sender@example.org",
                    List.of("rcpt@example.net", "other@example.net"), MESSAGE);
            assertTrue(sent.accepted(), () -> sent + "\n" + postfix.log());

            SmtpSink.Message delivered = sink.await(DELIVERY);
            assertEquals("sender@example.org", delivered.from());
            assertEquals(Set.of("rcpt@example.net", "other@example.net"), new TreeSet<>(delivered.recipients()));
            String text = delivered.text();
            assertTrue(text.startsWith("Received: from client.interop.test"), text);
            String original = MESSAGE.replace("\n", "\r\n");
            assertEquals(original, text.substring(text.indexOf("From: Sender")), "everything after Received:");
        }
    }

    @Test
    void twoMessagesOnOneConnectionWithRsetBetweenBothArrive() {
        try (SmtpSink sink = SmtpSink.start();
             PostfixInstance postfix = PostfixInstance.builder().relayTo(sink).start();
             SmtpClient client = SmtpClient.connect(postfix.smtpPort())) {
            assertEquals(220, client.greeting().code());
            assertEquals(250, client.ehlo("client.interop.test").code());
            assertTrue(client.send("a@example.org", List.of("one@example.net"), "Subject: one\n\nfirst\n").accepted(),
                    client::transcript);
            assertEquals(250, client.rset().code());
            assertTrue(client.send("a@example.org", List.of("two@example.net"), "Subject: two\n\nsecond\n").accepted(),
                    client::transcript);
            assertEquals(221, client.quit().code());

            Set<String> subjects = new TreeSet<>();
            subjects.add(sink.await(DELIVERY).header("Subject"));
            subjects.add(sink.await(DELIVERY).header("Subject"));
            assertEquals(Set.of("one", "two"), subjects);
        }
    }

    @Test
    void instancesRunOneAfterAnotherAndLeaveNoProcessBehind() {
        for (int round = 1; round <= 2; round++) {
            ProcessHandle reaper;
            try (SmtpSink sink = SmtpSink.start();
                 PostfixInstance postfix = PostfixInstance.builder().relayTo(sink).start()) {
                reaper = postfix.processes();
                assertTrue(reaper.descendants().findAny().isPresent(), "master runs under the reaper");
                assertTrue(SmtpClient.sendMail(postfix.smtpPort(), "a@example.org", List.of("b@example.net"),
                        "Subject: round " + round + "\n\nbody\n").accepted());
                assertEquals("round " + round, sink.await(DELIVERY).header("Subject"));
            }
            assertFalse(reaper.isAlive(), "the reaper ends only when every process of the instance has ended");
        }
    }
}
