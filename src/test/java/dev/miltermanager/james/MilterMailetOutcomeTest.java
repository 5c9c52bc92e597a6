package dev.miltermanager.james;

import static dev.miltermanager.james.MailetRig.attribute;
import static dev.miltermanager.james.MailetRig.attributes;
import static dev.miltermanager.james.MailetRig.children;
import static dev.miltermanager.testing.FakeReply.DISCARD;
import static dev.miltermanager.testing.FakeReply.REJECT;
import static dev.miltermanager.testing.FakeReply.TEMPFAIL;
import static dev.miltermanager.testing.FakeReply.replyCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeSession;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.Test;

/** Each milter outcome and what it becomes in James, with a scripted child milter over a real socket. */
class MilterMailetOutcomeTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private static MailetRig rig(FakeMilter child, String... more) throws Exception {
        return new MailetRig(children(List.of("fake=" + child.connectionSpec()), more));
    }

    @Test
    void theChildSeesWhatAnMtaWouldHaveSentAndAnAcceptedMailGoesOn() throws Exception {
        try (FakeMilter child = FakeMilter.builder().start(); MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            FakeSession s = child.takeSession(WAIT);
            s.awaitEnd(WAIT);
            Command.Connect connect = s.commands(Command.Connect.class).getFirst();
            assertEquals(new Command.Connect("client.example.net", Command.Family.INET, 0, "192.0.2.7"), connect);
            assertEquals(List.of(new Command.Helo("client.example.net")), s.commands(Command.Helo.class));
            FakeSession.Message m = s.message(0);
            assertEquals("<alice@example.net>", m.sender());
            assertEquals(List.of("<bob@example.org>", "<carol@example.org>"), m.recipients());
            assertEquals(List.of("Received", "Message-ID", "From", "To", "Subject"),
                    m.headers().stream().map(Command.Header::name).toList());
            assertEquals("hello", m.header("Subject").orElseThrow().strip());
            assertEquals("from client.example.net (client.example.net [192.0.2.7])\n\tby mx.example.org with ESMTP",
                    m.header("Received").orElseThrow(), "folded with a bare LF, without the leading space");
            assertEquals("line one\r\nline two\r\n", m.bodyText());
            assertTrue(m.endOfMessage());
            var mailMacros = s.received(Stage.MAIL).getFirst().macros();
            assertEquals("alice", mailMacros.get("{auth_authen}"));
            assertEquals(mail.getName(), mailMacros.get("i"));
            assertEquals("mx.example.org", s.received(Stage.CONNECT).getFirst().macros().get("j"));
            assertTrue(s.quitReceived(), s.transcript());

            assertEquals("transport", mail.getState(), "an accepted mail stays where it was");
            assertEquals("accept", attribute(mail, "status").orElseThrow());
            assertFalse(attribute(mail, "modified").isPresent());
            assertEquals(MailetRig.MESSAGE, MailetRig.written(mail.getMessage()), "the message is untouched");
        }
    }

    @Test
    void headerEditsAreAppliedAndTheMessageIdIsKept() throws Exception {
        try (FakeMilter child = FakeMilter.builder().edits(
                new Response.ChangeHeader(1, "Subject", "[checked] hello"),
                new Response.ChangeHeader(1, "Received", ""),
                new Response.InsertHeader(0, "X-First", "at the top"),
                new Response.AddHeader("X-Scanned", "folded\n\tvalue")).start();
             MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            MimeMessage message = mail.getMessage();
            assertEquals("<original-id@example.net>", message.getMessageID());
            assertEquals("""
                    X-First: at the top\r
                    Message-ID: <original-id@example.net>\r
                    From: Alice <alice@example.net>\r
                    To: Bob <bob@example.org>\r
                    Subject: [checked] hello\r
                    X-Scanned: folded\r
                    \tvalue\r
                    \r
                    line one\r
                    line two\r
                    """, MailetRig.written(message));
            assertEquals("accept", attribute(mail, "status").orElseThrow());
            assertEquals("true", attribute(mail, "modified").orElseThrow());
        }
    }

    @Test
    void aReplacedBodyReplacesTheBodyAndKeepsHeadersAndMessageId() throws Exception {
        try (FakeMilter child = FakeMilter.builder().edits(
                Response.ReplaceBody.of("new ".getBytes()), Response.ReplaceBody.of("body\r\n".getBytes()),
                new Response.AddHeader("X-Replaced", "yes")).start();
             MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            MimeMessage message = mail.getMessage();
            String written = MailetRig.written(message);
            assertTrue(written.endsWith("Subject: hello\r\nX-Replaced: yes\r\n\r\nnew body\r\n"), written);
            assertTrue(written.startsWith("Received: from client.example.net"), written);
            message.saveChanges();
            assertEquals("<original-id@example.net>", message.getMessageID());
            assertEquals("true", attribute(mail, "modified").orElseThrow());
        }
    }

    @Test
    void recipientsAddedAndDeletedAtEndOfMessage() throws Exception {
        try (FakeMilter child = FakeMilter.builder().edits(new Response.DeleteRecipient("<carol@example.org>"),
                new Response.AddRecipient("<dave@example.org>"),
                new Response.AddRecipientWithArgs("<erin@example.org>", "NOTIFY=NEVER")).start();
             MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals(List.of(new MailAddress("bob@example.org"), new MailAddress("dave@example.org"),
                    new MailAddress("erin@example.org")), List.copyOf(mail.getRecipients()));
            assertEquals("transport", mail.getState());
            assertEquals("true", attribute(mail, "modified").orElseThrow());
        }
    }

    @Test
    void aRecipientRejectedAtRcptLeavesThisMailForTheRejectProcessor() throws Exception {
        try (FakeMilter child = FakeMilter.builder()
                .on(Stage.RCPT, "<carol@", replyCode("550 5.1.1 no such user")).start();
             MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals(List.of(new MailAddress("bob@example.org")), List.copyOf(mail.getRecipients()));
            assertEquals("transport", mail.getState());
            assertEquals("accept", attribute(mail, "status").orElseThrow());
            FakeMailContext.SentMail refused = rig.context.getSentMails().getFirst();
            assertEquals(1, rig.context.getSentMails().size());
            assertEquals("milter-reject", refused.getState());
            assertEquals(List.of(new MailAddress("carol@example.org")), List.copyOf(refused.getRecipients()));
            assertEquals("reject", attributes(refused).get("milter.status"));
            assertEquals("550 5.1.1 no such user", attributes(refused).get("milter.reply"));
            FakeSession.Message seen = child.takeSession(WAIT).message(0);
            assertEquals(List.of("<bob@example.org>", "<carol@example.org>"), seen.recipients());
        }
    }

    @Test
    void aRecipientTemporarilyFailedAtRcptIsRetriedOnItsOwn() throws Exception {
        try (FakeMilter child = FakeMilter.builder().on(Stage.RCPT, "<carol@", TEMPFAIL).start();
             MailetRig rig = rig(child, "retryDelay", "90s")) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals(List.of(new MailAddress("bob@example.org")), List.copyOf(mail.getRecipients()));
            FakeMailContext.SentMail retried = rig.context.getSentMails().getFirst();
            assertEquals("transport", retried.getState(), "back to the processor it was in");
            assertEquals(List.of(new MailAddress("carol@example.org")), List.copyOf(retried.getRecipients()));
            assertEquals(new FakeMailContext.Delay(90_000, TimeUnit.MILLISECONDS), retried.getDelay().orElseThrow());
            assertEquals("temporary-failure", attributes(retried).get("milter.status"));
            assertEquals("1", attributes(retried).get("milter.retries"));
        }
    }

    @Test
    void whenEveryRecipientIsRejectedTheMailItselfGoesToTheRejectProcessorWithoutData() throws Exception {
        try (FakeMilter child = FakeMilter.builder().reply(Stage.RCPT, REJECT).start(); MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals("milter-reject", mail.getState());
            assertEquals(2, mail.getRecipients().size());
            assertEquals("550 5.7.1 Command rejected", mail.getErrorMessage());
            assertTrue(rig.context.getSentMails().isEmpty());
            FakeSession s = child.takeSession(WAIT);
            s.awaitEnd(WAIT);
            assertTrue(s.commands(Command.Data.class).isEmpty(), s.transcript());
        }
    }

    @Test
    void aRejectGoesToTheRejectProcessorWithTheChildsReply() throws Exception {
        try (FakeMilter child = FakeMilter.builder().reply(Stage.EOM, replyCode("554 5.7.1 spam detected"))
                .edits(new Response.AddHeader("X-Dropped", "edits of a rejected mail are not applied")).start();
             MailetRig rig = rig(child, "rejectProcessor", "spam-bounce")) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals("spam-bounce", mail.getState());
            assertEquals("554 5.7.1 spam detected", mail.getErrorMessage());
            assertEquals("reject", attribute(mail, "status").orElseThrow());
            assertEquals("554 5.7.1 spam detected", attribute(mail, "reply").orElseThrow());
            assertEquals(MailetRig.MESSAGE, MailetRig.written(mail.getMessage()));
        }
    }

    @Test
    void aRejectAtAHeaderEndsTheConversationThere() throws Exception {
        try (FakeMilter child = FakeMilter.builder().on(Stage.HEADER, "Subject: hello", REJECT).start();
             MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals("milter-reject", mail.getState());
            FakeSession s = child.takeSession(WAIT);
            s.awaitEnd(WAIT);
            assertTrue(s.commands(Command.Body.class).isEmpty(), s.transcript());
        }
    }

    @Test
    void aTemporaryFailureResendsTheMailAfterTheDelayAndGhostsThisOne() throws Exception {
        try (FakeMilter child = FakeMilter.builder().reply(Stage.EOM, TEMPFAIL).start();
             MailetRig rig = rig(child, "retryDelay", "2min", "retryProcessor", "root")) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals(Mail.GHOST, mail.getState());
            FakeMailContext.SentMail retried = rig.context.getSentMails().getFirst();
            assertEquals("root", retried.getState());
            assertEquals(2, retried.getRecipients().size());
            assertEquals(new FakeMailContext.Delay(120_000, TimeUnit.MILLISECONDS), retried.getDelay().orElseThrow());
            assertEquals("451 4.7.1 Service unavailable - try again later", attributes(retried).get("milter.reply"));
            assertEquals("1", attributes(retried).get("milter.retries"));
        }
    }

    @Test
    void aTemporaryFailureAfterTheLastRetryCountsAsReject() throws Exception {
        try (FakeMilter child = FakeMilter.builder().reply(Stage.EOM, TEMPFAIL).start();
             MailetRig rig = rig(child, "maxRetries", "2")) {
            FakeMail mail = rig.mail().attribute(new org.apache.mailet.Attribute(
                    org.apache.mailet.AttributeName.of("milter.retries"),
                    org.apache.mailet.AttributeValue.of(2))).build();
            rig.mailet.service(mail);

            assertEquals("milter-reject", mail.getState());
            assertTrue(mail.getErrorMessage().contains("still failing after 2 retries"), mail.getErrorMessage());
            assertTrue(rig.context.getSentMails().isEmpty());
        }
    }

    @Test
    void aDiscardGhostsTheMail() throws Exception {
        try (FakeMilter child = FakeMilter.builder().reply(Stage.EOM, DISCARD).start(); MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals(Mail.GHOST, mail.getState());
            assertEquals("discard", attribute(mail, "status").orElseThrow());
        }
    }

    @Test
    void aQuarantineSendsTheMailToTheQuarantineProcessorWithTheReason() throws Exception {
        try (FakeMilter child = FakeMilter.builder().edits(new Response.Quarantine("looks like phishing"),
                new Response.AddHeader("X-Quarantined", "yes")).start();
             MailetRig rig = rig(child, "quarantineProcessor", "held")) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals("held", mail.getState());
            assertEquals("quarantine", attribute(mail, "status").orElseThrow());
            assertEquals("looks like phishing", attribute(mail, "quarantine-reason").orElseThrow());
            assertEquals("yes", mail.getMessage().getHeader("X-Quarantined", null));
        }
    }

    @Test
    void aChangedSenderMakesANewMailAndGhostsTheOriginal() throws Exception {
        try (FakeMilter child = FakeMilter.builder().edits(new Response.ChangeFrom("<bounces@example.net>"),
                new Response.AddHeader("X-Srs", "rewritten")).start();
             MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals(Mail.GHOST, mail.getState());
            FakeMailContext.SentMail renamed = rig.context.getSentMails().getFirst();
            assertEquals(new MailAddress("bounces@example.net"), renamed.getSender());
            assertEquals("transport", renamed.getState(), "back to the processor the original was in");
            assertEquals(2, renamed.getRecipients().size());
            assertEquals("rewritten", renamed.getMsg().getHeader("X-Srs", null));
            assertEquals("<original-id@example.net>", renamed.getMsg().getMessageID());
            var attributes = attributes(renamed);
            assertEquals("alice@example.net", attributes.get("milter.original-sender"));
            assertEquals("accept", attributes.get("milter.status"));
            assertEquals("true", attributes.get("milter.done"));
            assertEquals("client.example.net", attributes.get(Mail.SMTP_HELO.asString()), "the original's attributes");
        }
    }

    @Test
    void aMailTheMailetSentAfterAChangeOfSenderIsNotRunThroughTheMiltersAgain() throws Exception {
        try (FakeMilter child = FakeMilter.builder().start(); MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().attribute(new org.apache.mailet.Attribute(
                    org.apache.mailet.AttributeName.of("milter.done"), org.apache.mailet.AttributeValue.of(true)))
                    .build();
            rig.mailet.service(mail);

            assertEquals("transport", mail.getState());
            assertFalse(attribute(mail, "done").isPresent(), "the marker is taken off");
            assertTrue(child.sessions().isEmpty(), "no milter session");
        }
    }

    @Test
    void severalSpoolThreadsServiceMailsAtOnceEachWithItsOwnSession() throws Exception {
        try (FakeMilter child = FakeMilter.builder().edits(message -> List.of(
                new Response.AddHeader("X-For", message.sender()))).start();
             MailetRig rig = rig(child)) {
            List<FakeMail> mails = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                mails.add(rig.mail().sender("sender" + i + "@example.net").build());
            }
            try (var spool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
                List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
                for (FakeMail mail : mails) {
                    done.add(spool.submit(() -> {
                        rig.mailet.service(mail);
                        return null;
                    }));
                }
                for (var f : done) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
            for (int i = 0; i < 8; i++) {
                assertEquals("<sender" + i + "@example.net>", mails.get(i).getMessage().getHeader("X-For", null));
            }
            assertEquals(8, child.sessions().size(), "one milter session per mail");
        }
    }

    @Test
    void eightBitHeadersReachTheChildAsTheyAreAndItsEightBitValuesAsUtf8() throws Exception {
        try (FakeMilter child = FakeMilter.builder().edits(new Response.AddHeader("X-Note", "naïve ✓")).start();
             MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail(MailetRig.message(MailetRig.MESSAGE.replace("Subject: hello", "Subject: café")))
                    .build();
            rig.mailet.service(mail);

            assertEquals("café", child.takeSession(WAIT).message(0).header("Subject").orElseThrow().strip());
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            mail.getMessage().writeTo(out);
            String written = out.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(written.contains("Subject: café\r\nX-Note: naïve ✓\r\n\r\n"), written);
        }
    }

    @Test
    void aRetriedMailThatNowPassesLosesTheLastAttemptsOutcomeButKeepsItsRetryCount() throws Exception {
        try (FakeMilter child = FakeMilter.builder().start(); MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail()
                    .attribute(new org.apache.mailet.Attribute(org.apache.mailet.AttributeName.of("milter.retries"),
                            org.apache.mailet.AttributeValue.of(1)))
                    .attribute(new org.apache.mailet.Attribute(org.apache.mailet.AttributeName.of("milter.failure"),
                            org.apache.mailet.AttributeValue.of("the milters did not finish")))
                    .attribute(new org.apache.mailet.Attribute(org.apache.mailet.AttributeName.of("milter.reply"),
                            org.apache.mailet.AttributeValue.of("451 4.7.1 later"))).build();
            rig.mailet.service(mail);

            assertEquals("accept", attribute(mail, "status").orElseThrow());
            assertFalse(attribute(mail, "failure").isPresent());
            assertFalse(attribute(mail, "reply").isPresent());
            assertEquals("1", attribute(mail, "retries").orElseThrow());
        }
    }
}
