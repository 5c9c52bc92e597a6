package dev.miltermanager.james;

import static dev.miltermanager.james.MailetRig.attribute;
import static dev.miltermanager.james.MailetRig.attributes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.interop.InteropChild;
import java.time.Duration;
import java.util.List;
import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.junit.jupiter.api.Test;

/** The mailet with a real child built on Sendmail's libmilter (compiled by the test), over a Unix socket. */
class MilterMailetLibmilterTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static MailetRig rig(InteropChild child, String... more) throws Exception {
        return new MailetRig(MailetRig.children(List.of("c=" + child.connectionSpec()), more));
    }

    @Test
    void theChildSeesTheSmtpSessionJamesKeptAndItsEditsAreApplied() throws Exception {
        try (InteropChild child = InteropChild.c("editor").macros("mail", "{auth_authen} {mail_addr}")
                .edit("insert-header:0:X-Top:first")
                .edit("change-header:Subject:1:[checked] hello")
                .edit("add-header:X-Seen-By:{name}")
                .edit("del-rcpt:<carol@example.org>")
                .edit("add-rcpt:<dave@example.org>").start();
             MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            List<String> events = child.awaitEvent("close", WAIT);
            String log = String.join("\n", events);
            assertTrue(events.contains("connect host=client.example.net family=4 addr=192.0.2.7 port=0"), log);
            assertTrue(events.contains("helo client.example.net"), log);
            assertTrue(events.contains("mail <alice@example.net>"), log);
            assertTrue(events.contains("rcpt <bob@example.org>") && events.contains("rcpt <carol@example.org>"), log);
            assertTrue(events.contains("macro mail {auth_authen}=alice"), log);
            assertTrue(events.contains("header Subject: hello"), log);

            assertEquals("""
                    X-Top: first\r
                    Received: from client.example.net (client.example.net [192.0.2.7])\r
                    \tby mx.example.org with ESMTP\r
                    Message-ID: <original-id@example.net>\r
                    From: Alice <alice@example.net>\r
                    To: Bob <bob@example.org>\r
                    Subject: [checked] hello\r
                    X-Seen-By: editor\r
                    \r
                    line one\r
                    line two\r
                    """, MailetRig.written(mail.getMessage()));
            assertEquals(List.of(new MailAddress("bob@example.org"), new MailAddress("dave@example.org")),
                    List.copyOf(mail.getRecipients()));
            assertEquals("transport", mail.getState());
            assertEquals("accept", attribute(mail, "status").orElseThrow());
        }
    }

    @Test
    void aReplacedBodyAChangedSenderAndAQuarantineTogether() throws Exception {
        try (InteropChild child = InteropChild.c("rewriter").edit("replace-body:cleaned\\n")
                .edit("change-from:<srs@example.net>").edit("quarantine:held by {name}").start();
             MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals(Mail.GHOST, mail.getState(), "the original gives way to the mail with the new sender");
            FakeMailContext.SentMail sent = rig.context.getSentMails().getFirst();
            assertEquals(new MailAddress("srs@example.net"), sent.getSender());
            assertEquals("milter-quarantine", sent.getState());
            assertEquals("quarantine", attributes(sent).get("milter.status"));
            assertEquals("held by rewriter", attributes(sent).get("milter.quarantine-reason"));
            assertTrue(!attributes(sent).containsKey("milter.done"), "released from quarantine, it is checked again");
            String written = MailetRig.written(sent.getMsg());
            assertTrue(written.endsWith("Subject: hello\r\n\r\ncleaned\r\n"), written);
            assertEquals("<original-id@example.net>", sent.getMsg().getMessageID());
        }
    }

    @Test
    void aRejectWithTheChildsOwnReply() throws Exception {
        try (InteropChild child = InteropChild.c("judge").rule("eom=reply:554:5.7.1:rejected by {name}").start();
             MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals("milter-reject", mail.getState());
            assertEquals("554 5.7.1 rejected by judge", mail.getErrorMessage());
            assertEquals("reject", attribute(mail, "status").orElseThrow());
        }
    }

    @Test
    void aRecipientTheChildRefusesAtRcptGoesToTheRejectProcessorAlone() throws Exception {
        try (InteropChild child = InteropChild.c("gate").rule("rcpt:carol@=reply:550:5.1.1:no such user").start();
             MailetRig rig = rig(child)) {
            FakeMail mail = rig.mail().build();
            rig.mailet.service(mail);

            assertEquals(List.of(new MailAddress("bob@example.org")), List.copyOf(mail.getRecipients()));
            FakeMailContext.SentMail refused = rig.context.getSentMails().getFirst();
            assertEquals("milter-reject", refused.getState());
            assertEquals(List.of(new MailAddress("carol@example.org")), List.copyOf(refused.getRecipients()));
            assertEquals("550 5.1.1 no such user", attributes(refused).get("milter.reply"));
        }
    }
}
