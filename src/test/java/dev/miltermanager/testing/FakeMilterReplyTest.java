package dev.miltermanager.testing;

import static dev.miltermanager.testing.FakeMilterNegotiationTest.assertAtLeast;
import static dev.miltermanager.testing.FakeReply.ACCEPT;
import static dev.miltermanager.testing.FakeReply.CLOSE;
import static dev.miltermanager.testing.FakeReply.CONTINUE;
import static dev.miltermanager.testing.FakeReply.DISCARD;
import static dev.miltermanager.testing.FakeReply.REJECT;
import static dev.miltermanager.testing.FakeReply.SILENCE;
import static dev.miltermanager.testing.FakeReply.SKIP;
import static dev.miltermanager.testing.FakeReply.TEMPFAIL;
import static dev.miltermanager.testing.Mail.rcpt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MalformedPacketException;
import dev.miltermanager.protocol.Packet;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FakeMilterReplyTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Response CONTINUED = new Response.Continue();

    @Test
    void everyStageContinuesByDefault() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            for (Command command : List.of(Mail.CONNECT, Mail.HELO, Mail.MAIL, Mail.RCPT, Mail.DATA, Mail.SUBJECT,
                    Mail.EOH, Mail.BODY, Mail.EOM, Mail.UNKNOWN)) {
                assertEquals(CONTINUED, mta.exchange(command), command.toString());
            }
        }
    }

    @Test
    void aStagesDefaultReplyAnswersEveryCommandOfThatStageOnly() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.RCPT, REJECT)
                .reply(Stage.EOM, new Response.Discard()).start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            assertEquals(CONTINUED, mta.exchange(Mail.MAIL));
            assertEquals(new Response.Reject(), mta.exchange(rcpt("<a@example.org>")));
            assertEquals(new Response.Reject(), mta.exchange(rcpt("<b@example.org>")));
            assertEquals(CONTINUED, mta.exchange(Mail.DATA));
            assertEquals(new Response.Discard(), mta.exchange(Mail.EOM));
        }
    }

    @Test
    void rulesMatchTheArgumentBySubstringAndTheFirstMatchWins() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .on(Stage.RCPT, "bob@", REJECT)
                .on(Stage.RCPT, "@example.org", TEMPFAIL)
                .on(Stage.RCPT, "carol", new Response.Discard())
                .start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.exchange(Mail.MAIL);
            assertEquals(new Response.Reject(), mta.exchange(rcpt("<bob@example.org>")));
            assertEquals(new Response.TempFail(), mta.exchange(rcpt("<alice@example.org>")));
            assertEquals(new Response.Discard(), mta.exchange(rcpt("<carol@example.net>")));
            assertEquals(CONTINUED, mta.exchange(rcpt("<dave@example.net>")));
        }
    }

    @Test
    void eachStageMatchesItsOwnArgument() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .on(Stage.CONNECT, "mx.example.net", ACCEPT)
                .on(Stage.HELO, "mx.example", TEMPFAIL)
                .on(Stage.MAIL, "<alice@", DISCARD)
                .on(Stage.HEADER, "Subject: hello", REJECT)
                .on(Stage.BODY, "see you", SKIP)
                .on(Stage.EOM, "Hi Bob,\r\nsee you.\r\nP.S.", ACCEPT)
                .on(Stage.UNKNOWN, "XPING", REJECT)
                .on(Stage.DATA, "", TEMPFAIL)
                .start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            assertEquals(new Response.Accept(), mta.exchange(Mail.CONNECT));
            assertEquals(new Response.TempFail(), mta.exchange(Mail.HELO));
            assertEquals(new Response.Discard(), mta.exchange(Mail.MAIL));
            assertEquals(new Response.TempFail(), mta.exchange(Mail.DATA));
            assertEquals(new Response.Reject(), mta.exchange(Mail.SUBJECT));
            assertEquals(CONTINUED, mta.exchange(new Command.Header("Subject", "other")));
            assertEquals(new Response.Skip(), mta.exchange(Mail.BODY));
            assertEquals(CONTINUED, mta.exchange(Mail.body("P.S.\r\n")));
            assertEquals(new Response.Accept(), mta.exchange(Mail.EOM), "EOM matches the whole body received");
            assertEquals(new Response.Reject(), mta.exchange(Mail.UNKNOWN));
        }
    }

    @Test
    void aHeaderWithALeadingSpaceIsMatchedWithoutAnExtraOne() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().on(Stage.HEADER, "Subject: hello", REJECT).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            assertEquals(new Response.Reject(), mta.exchange(new Command.Header("Subject", " hello")));
        }
    }

    @Test
    void aPredicateRuleTestsTheArgument() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .on(Stage.HEADER, header -> header.startsWith("X-Spam-Flag:"), REJECT).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            assertEquals(CONTINUED, mta.exchange(new Command.Header("Subject", "X-Spam-Flag: no")));
            assertEquals(new Response.Reject(), mta.exchange(new Command.Header("X-Spam-Flag", "YES")));
        }
    }

    @Test
    void aResponderSeesTheSessionSoItCanAnswerEachMessageDifferently() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .on(Stage.EOM, (session, command) -> session.messages().size() == 1 ? REJECT : null)
                .start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.exchange(Mail.MAIL);
            assertEquals(new Response.Reject(), mta.exchange(Mail.EOM));
            mta.exchange(Mail.MAIL);
            assertEquals(CONTINUED, mta.exchange(Mail.EOM), "the rule passes; the stage's default answers");
        }
    }

    @Test
    void aReplyCodeIsSentAsY() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.RCPT, FakeReply.replyCode("550 5.7.1 no such user"))
                .start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            assertEquals(new Response.ReplyCode(SmtpReply.of(550, "5.7.1", "no such user")), mta.exchange(Mail.RCPT));
        }
    }

    @Test
    void stagesNegotiatedAsNoReplyGetNoReply() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().protocol(ProtocolFlag.NR_RCPT, ProtocolFlag.NR_HEADER)
                .reply(Stage.RCPT, REJECT).start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.exchange(Mail.MAIL);
            mta.send(rcpt("<a@example.org>"), rcpt("<b@example.org>"), Mail.SUBJECT, Mail.EOH);
            assertEquals(CONTINUED, mta.read(), "the first reply after the no-reply commands is EOH's");
            FakeSession session = milter.takeSession(WAIT);
            assertEquals(List.of(new Response.Negotiate(6, 0x1FF, 0x8080), CONTINUED, CONTINUED), session.sent());
            assertTrue(session.transcript().contains("no reply: the stage was negotiated as no-reply"),
                    session.transcript());
        }
    }

    @Test
    void aLyingFakeRepliesAtNoReplyStages() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().protocol(ProtocolFlag.NR_RCPT).lieAboutNoReply()
                .reply(Stage.RCPT, TEMPFAIL).start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            assertEquals(new Response.TempFail(), mta.exchange(Mail.RCPT));
            assertTrue(milter.takeSession(WAIT).transcript().contains("(lie)"));
        }
    }

    @Test
    void aDelayedReplyComesAfterTheDelay() throws Exception {
        Duration delay = Duration.ofMillis(300);
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.HELO, CONTINUE.after(delay)).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            long start = System.nanoTime();
            assertEquals(CONTINUED, mta.exchange(Mail.HELO));
            assertAtLeast(delay, start);
        }
    }

    @Test
    void theCommandIsRecordedBeforeADelayedReplyIsSent() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.MAIL, CONTINUE.after(Duration.ofHours(1)))
                .start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.MAIL);
            FakeSession session = milter.takeSession(WAIT);
            assertEquals(Mail.MAIL, session.awaitCommand(Command.MailFrom.class, WAIT));
            assertEquals(FakeSession.State.OPEN, session.state());
        }
    }

    @Test
    void anMtaHangingUpDuringADelayEndsTheSessionAtOnce() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.EOM, ACCEPT.after(Duration.ofHours(1))).start()) {
            try (RawMta mta = RawMta.connect(milter)) {
                mta.negotiate();
                mta.send(Mail.EOM);
                milter.takeSession(WAIT).awaitCommand(Command.EndOfMessage.class, WAIT);
            }
            FakeSession session = milter.sessions().get(0);
            assertEquals(FakeSession.State.MTA_CLOSED, session.awaitEnd(WAIT), "as a timed-out child would see it");
            assertTrue(session.transcript().contains("hung up while the fake was waiting"), session.transcript());
        }
    }

    @Test
    void commandsThatArriveDuringADelayAreKept() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .reply(Stage.HELO, CONTINUE.after(Duration.ofMillis(300)).progressEvery(Duration.ofMillis(100)))
                .reply(Stage.MAIL, REJECT).start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.HELO);
            Thread.sleep(50);
            mta.send(Mail.MAIL);
            assertEquals(List.of(new Response.Progress(), new Response.Progress(), CONTINUED, new Response.Reject()),
                    mta.read(4));
            assertEquals(List.of(Mail.MAIL), milter.takeSession(WAIT).commands(Command.MailFrom.class));
        }
    }

    @Test
    void aCloseReplyHangsUpWithoutAWord() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.DATA, CLOSE).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.DATA);
            mta.assertClosedByFake();
            FakeSession session = milter.takeSession(WAIT);
            assertEquals(FakeSession.State.FAKE_CLOSED, session.awaitEnd(WAIT));
            assertEquals(1, session.sent().size(), "only the negotiation was answered");
        }
    }

    @Test
    void progressIsSentOnScheduleBeforeTheReply() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .reply(Stage.EOM, ACCEPT.after(Duration.ofMillis(500)).progressEvery(Duration.ofMillis(100)))
                .start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.EOM);
            List<Response> expected = new java.util.ArrayList<>(Collections.nCopies(4, new Response.Progress()));
            expected.add(new Response.Accept());
            assertEquals(expected, mta.read(5));
        }
    }

    @Test
    void progressCountIsFixedByTheSchedule() {
        assertEquals(4, ACCEPT.after(Duration.ofSeconds(1)).progressEvery(Duration.ofMillis(200)).progressCount());
        assertEquals(3, ACCEPT.after(Duration.ofSeconds(1)).progressEvery(Duration.ofMillis(300)).progressCount());
        assertEquals(0, ACCEPT.progressEvery(Duration.ofMillis(300)).progressCount());
        assertEquals(0, ACCEPT.after(Duration.ofSeconds(1)).progressCount());
    }

    @Test
    void aRawPacketIsSentInsteadOfAReply() throws Exception {
        byte[] data = "zz".getBytes(StandardCharsets.US_ASCII);
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.HELO, FakeReply.packet('Z', data))
                .reply(Stage.MAIL, FakeReply.garbage()).start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.HELO);
            assertEquals(Packet.of('Z', data), mta.readPacket());
            mta.send(Mail.MAIL);
            assertThrows(MalformedPacketException.class, mta::readPacket);
        }
    }

    @Test
    void anyResponsesMayBeSentEvenOnesThatDoNotBelong() throws Exception {
        try (FakeMilter milter = FakeMilter.builder()
                .reply(Stage.RCPT, FakeReply.of(new Response.AddHeader("X-Early", "1"), new Response.Continue()))
                .start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.RCPT);
            assertEquals(List.of(new Response.AddHeader("X-Early", "1"), CONTINUED), mta.read(2));
        }
    }

    @Test
    void silenceSendsNothingAndReadsOn() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.HELO, SILENCE).reply(Stage.MAIL, TEMPFAIL)
                .start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.HELO, Mail.MAIL);
            assertEquals(new Response.TempFail(), mta.read(), "the first reply is MAIL's");
        }
    }

    @Test
    void abortAndQuitNewConnectionGetNoReply() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().reply(Stage.CONNECT, ACCEPT).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.MAIL, Mail.ABORT, new Command.QuitNewConnection(), Mail.CONNECT);
            assertEquals(List.of(CONTINUED, new Response.Accept()), mta.read(2));
        }
    }

    @Test
    void aFailingResponderIsRecordedAsAnErrorAndClosesTheConnection() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().on(Stage.HELO, (session, command) -> {
            throw new IllegalStateException("boom");
        }).start(); RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.send(Mail.HELO);
            mta.assertClosedByFake();
            FakeSession session = milter.takeSession(WAIT);
            assertEquals(FakeSession.State.FAKE_CLOSED, session.awaitEnd(WAIT));
            assertTrue(session.errors().get(0).getMessage().contains("boom"));
            assertThrows(AssertionError.class, milter::assertNoErrors);
        }
    }
}
