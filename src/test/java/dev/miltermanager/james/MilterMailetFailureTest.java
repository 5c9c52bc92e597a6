package dev.miltermanager.james;

import static dev.miltermanager.james.MailetRig.attribute;
import static dev.miltermanager.james.MailetRig.attributes;
import static dev.miltermanager.testing.FakeReply.ACCEPT;
import static dev.miltermanager.testing.FakeReply.SILENCE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.Test;

/**
 * A child that is down or slow counts as its fallback status, and a mail never holds the spool thread past the
 * timeouts. The bounds asserted are generous (several times the configured timeout): they catch a hang, not
 * slowness.
 */
class MilterMailetFailureTest {

    /** A loopback spec where nothing listens: connections are refused. */
    private static String downSpec() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "inet:" + socket.getLocalPort() + "@[127.0.0.1]";
        }
    }

    /** How long the mailet held the calling (spool) thread. */
    private static Duration timedService(MailetRig rig, FakeMail mail) throws Exception {
        long start = System.nanoTime();
        rig.mailet.service(mail);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void aChildThatIsDownCountsAsItsFallbackAcceptAndTheOthersStillRun() throws Exception {
        try (FakeMilter up = FakeMilter.builder().edits(new Response.AddHeader("X-Up", "yes")).start();
             MailetRig rig = new MailetRig(MailetRig.children(List.of("down=" + downSpec(),
                     "up=" + up.connectionSpec())))) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals("transport", mail.getState());
            assertEquals("accept", attribute(mail, "status").orElseThrow());
            assertEquals("yes", mail.getMessage().getHeader("X-Up", null), "the child that is up still ran");
        }
    }

    @Test
    void aChildThatIsDownWithFallbackTemporaryFailureHasTheMailRetried() throws Exception {
        try (MailetRig rig = new MailetRig(MailetRig.children(
                List.of("down=" + downSpec() + " fallback_status=temporary-failure"),
                "fallbackStatus", "temporary-failure"))) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals(Mail.GHOST, mail.getState());
            FakeMailContext.SentMail retried = rig.context.getSentMails().getFirst();
            assertEquals("temporary-failure", attributes(retried).get("milter.status"));
        }
    }

    @Test
    void aChildSilentAtEndOfMessageCountsAsItsFallbackAfterItsTimeout() throws Exception {
        try (FakeMilter slow = FakeMilter.builder().reply(Stage.EOM, SILENCE).start();
             MailetRig rig = new MailetRig(MailetRig.children(
                     List.of("slow=" + slow.connectionSpec() + " end_of_message_timeout=0.5 fallback_status=reject")))) {
            FakeMail mail = rig.mail().build();
            Duration took = timedService(rig, mail);

            assertEquals("milter-reject", mail.getState());
            assertEquals("reject", attribute(mail, "status").orElseThrow());
            assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "bounded by the child's timeout: " + took);
        }
    }

    @Test
    void aChildSilentAtNegotiationIsDroppedAfterItsTimeout() throws Exception {
        try (FakeMilter mute = FakeMilter.builder().negotiation(SILENCE).start();
             MailetRig rig = new MailetRig(MailetRig.children(
                     List.of("mute=" + mute.connectionSpec() + " reading_timeout=0.5")))) {
            FakeMail mail = rig.mail().build();
            Duration took = timedService(rig, mail);

            assertEquals("transport", mail.getState());
            assertEquals("accept", attribute(mail, "status").orElseThrow());
            assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "bounded by the child's timeout: " + took);
        }
    }

    @Test
    void aChildThatSendsProgressForeverIsCutOffAtTheMailTimeout() throws Exception {
        // progress restarts the child's own end-of-message timeout, so only the mail timeout can end this
        try (FakeMilter stalling = FakeMilter.builder()
                .reply(Stage.EOM, ACCEPT.after(Duration.ofMinutes(5)).progressEvery(Duration.ofMillis(100))).start();
             MailetRig rig = new MailetRig(MailetRig.children(List.of("stalling=" + stalling.connectionSpec()),
                     "mailTimeout", "1.5", "fallbackStatus", "temporary-failure"))) {
            FakeMail mail = rig.mail().build();
            Duration took = timedService(rig, mail);

            assertTrue(took.compareTo(Duration.ofMillis(1400)) > 0, "the mail timeout, not earlier: " + took);
            assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "bounded by the mail timeout: " + took);
            assertEquals(Mail.GHOST, mail.getState());
            FakeMailContext.SentMail retried = rig.context.getSentMails().getFirst();
            assertEquals("temporary-failure", attributes(retried).get("milter.status"));
            assertTrue(attributes(retried).get("milter.failure").contains("mail timeout of 1500ms"),
                    attributes(retried).toString());
        }
    }
}
