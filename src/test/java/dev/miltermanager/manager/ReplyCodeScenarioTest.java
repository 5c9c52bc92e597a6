package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.ended;
import static dev.miltermanager.manager.FanOutFixture.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A child's own SMTP reply ({@code y}): forwarded only with the status it belongs to (4xx with temporary failure,
 * 5xx with reject) once the answers are folded; an invalid one is the child breaking the protocol (the
 * reference's {@code *-reply-code-*} and {@code invalid reply code} scenarios).
 */
class ReplyCodeScenarioTest {
    private static final String SPAM = "<spam@example.net>";
    private static final String GREYLISTED = "451 4.7.1 greylisted, try again later";
    private static final String NO_SUCH_USER = "550 5.1.1 no such user";

    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    private static Response.ReplyCode code(String text) {
        return new Response.ReplyCode(SmtpReply.parse(text));
    }

    /** The MTA's answer at RCPT for {@link #SPAM} when the children answer so. */
    private Response.Decision atRcpt(FakeReply... answers) throws Exception {
        MilterManagerConfig.Builder config = MilterManagerConfig.builder();
        for (int i = 0; i < answers.length; i++) {
            FakeReply answer = answers[i];
            config.addChild(child("c" + i, fx.fake(s -> s.on(Stage.RCPT, SPAM, answer))).build());
        }
        Mta mta = fx.inProcess(fx.manager(config));
        mta.negotiate();
        mta.connect();
        mta.helo();
        mta.mail("<sender@example.org>");
        return mta.rcpt(SPAM);
    }

    @Test
    void aTemporaryCodeIsForwarded() throws Exception {
        assertEquals(code(GREYLISTED), atRcpt(FakeReply.replyCode(GREYLISTED)));
    }

    @Test
    void aPermanentCodeIsForwarded() throws Exception {
        assertEquals(code(NO_SUCH_USER), atRcpt(FakeReply.replyCode(NO_SUCH_USER)));
    }

    @Test
    void aMultiLineReplyIsForwardedWhole() throws Exception {
        String multiLine = "550-5.7.1 first line\r\n550-5.7.1 second line\r\n550 5.7.1 last line";
        Response.Decision got = atRcpt(FakeReply.replyCode(multiLine));
        assertEquals(List.of("first line", "second line", "last line"), ((Response.ReplyCode) got).reply().lines());
    }

    @Test
    void aPermanentCodeBesideATempfailIsForwardedBecauseRejectWins() throws Exception {
        assertEquals(code(NO_SUCH_USER), atRcpt(FakeReply.TEMPFAIL, FakeReply.replyCode(NO_SUCH_USER)));
    }

    @Test
    void aTemporaryCodeBesideARejectGivesAPlainReject() throws Exception {
        assertEquals(new Response.Reject(), atRcpt(FakeReply.replyCode(GREYLISTED), FakeReply.REJECT));
    }

    @Test
    void aTemporaryCodeBesideAPlainTempfailIsForwardedWhicheverChildComesFirst() throws Exception {
        assertEquals(code(GREYLISTED), atRcpt(FakeReply.replyCode(GREYLISTED), FakeReply.TEMPFAIL));
        assertEquals(code(GREYLISTED), atRcpt(FakeReply.TEMPFAIL, FakeReply.replyCode(GREYLISTED)));
    }

    @Test
    void aPermanentCodeBesideADiscardGivesADiscard() throws Exception {
        assertEquals(new Response.Discard(), atRcpt(FakeReply.replyCode(NO_SUCH_USER), FakeReply.DISCARD));
    }

    /** The reference keeps the code that arrived last, which depends on timing; we keep the configuration order. */
    @Test
    void ofTwoCodesOfTheSameClassTheFirstChildsInConfigurationOrderIsForwarded() throws Exception {
        String other = "554 5.7.1 policy";
        assertEquals(code(NO_SUCH_USER), atRcpt(FakeReply.replyCode(NO_SUCH_USER).after(Duration.ofMillis(100)),
                FakeReply.replyCode(other)));
    }

    @Test
    void aCodeAtEndOfMessageDropsTheEdits() throws Exception {
        FakeMilter a = fx.fake(s -> s.actions(Action.ADD_HEADERS).edits(new Response.AddHeader("X-Spam", "yes"))
                .reply(Stage.EOM, FakeReply.replyCode(NO_SUCH_USER)));
        Mta mta = fx.inProcess(fx.manager(child("a", a).build()));
        mta.negotiate();
        mta.connect();
        mta.helo();

        assertEquals(code(NO_SUCH_USER), mta.message("<sender@example.org>", "<bob@example.net>", "hi\r\n"));
    }

    /** Codes that libmilter and the MTAs refuse: the child broke the protocol, so its fallback status counts. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"250 2.0.0 fine", "550 4.7.1 class mismatch", "no code at all", "550-5.7.1 unfinished",
            "550 5.7.1 one\r\n451 4.7.1 two"})
    void anInvalidCodeCountsAsTheChildsFallbackAndDropsIt(String invalid) throws Exception {
        byte[] text = (invalid + "\0").getBytes(StandardCharsets.US_ASCII);
        FakeMilter broken = fx.fake(s -> s.on(Stage.RCPT, SPAM, FakeReply.packet('y', text)));
        FakeMilter other = fx.fake(s -> s);
        Mta mta = fx.inProcess(fx.manager(child("broken", broken).fallbackStatus(Status.TEMPORARY_FAILURE).build(),
                child("other", other).build()));
        mta.negotiate();
        mta.connect();
        mta.helo();
        mta.mail("<sender@example.org>");

        assertEquals(new Response.TempFail(), mta.rcpt(SPAM));
        assertEquals(new Response.Continue(), mta.rcpt("<bob@example.net>"), "the others go on without it");
        mta.quit();
        List<String> seen = trace(ended(broken.takeSession(FanOutFixture.WAIT)));
        assertEquals("rcpt " + SPAM, seen.getLast(), "nothing after the invalid reply: " + seen);
    }
}
