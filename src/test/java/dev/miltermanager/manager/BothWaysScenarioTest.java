package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.ended;
import static dev.miltermanager.manager.FanOutFixture.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A few scenarios of the suite played both ways — in-process through a {@link ManagerSession}, and over the
 * manager's socket with a {@link dev.miltermanager.client.MilterClient} as the MTA — to show the socket side is a
 * thin loop around the same session: the MTA gets the same answers and the children the same conversation.
 */
class BothWaysScenarioTest {
    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    enum Way { IN_PROCESS, SOCKET }

    private Mta mta(Way way, MilterManager manager) throws IOException {
        Mta mta = way == Way.SOCKET ? fx.overSocket(manager) : fx.inProcess(manager);
        mta.negotiate();
        return mta;
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aRejectAtRcptRefusesOnlyThatRecipient(Way way) throws Exception {
        FakeMilter a = fx.fake(s -> s.on(Stage.RCPT, "<spam@", FakeReply.REJECT).reply(Stage.EOM, FakeReply.CONTINUE));
        FakeMilter b = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        Mta mta = mta(way, fx.manager(child("a", a).build(), child("b", b).build()));

        assertEquals(new Response.Continue(), mta.connect());
        assertEquals(new Response.Continue(), mta.helo());
        assertEquals(new Response.Continue(), mta.mail("<alice@example.org>"));
        assertEquals(new Response.Reject(), mta.rcpt("<spam@example.net>"));
        assertEquals(new Response.Continue(), mta.rcpt("<bob@example.net>"));
        assertEquals(new Response.Continue(), mta.data());
        assertEquals(new Response.Continue(), mta.header("Subject", "hi"));
        assertEquals(new Response.Continue(), mta.eoh());
        assertEquals(new Response.Continue(), mta.body("hi\r\n"));
        assertEquals(List.of(new Response.Continue()), mta.eom());
        mta.abort();
        mta.quit();

        List<String> expected = List.of("connect", "helo", "mail <alice@example.org>", "rcpt <spam@example.net>",
                "rcpt <bob@example.net>", "data", "header Subject", "eoh", "body", "eom", "abort", "quit");
        assertEquals(expected, trace(ended(a.takeSession(FanOutFixture.WAIT))));
        assertEquals(expected, trace(ended(b.takeSession(FanOutFixture.WAIT))));
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aRejectAtEndOfMessageDoesNotCarryOverToTheNextMessage(Way way) throws Exception {
        FakeMilter filter = fx.fake(s -> s.on(Stage.EOM, "spam", FakeReply.REJECT).reply(Stage.EOM, FakeReply.CONTINUE));
        FakeMilter other = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        Mta mta = mta(way, fx.manager(child("filter", filter).build(), child("other", other).build()));
        mta.connect();
        mta.helo();

        assertEquals(new Response.Reject(), mta.message("<a@example.org>", "<bob@example.net>", "spam\r\n"));
        mta.abort();
        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<bob@example.net>", "ham\r\n"));
        mta.abort();
        mta.quit();
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void editsAndTheVerdictReachTheMtaTogether(Way way) throws Exception {
        FakeMilter a = fx.fake(s -> s.actions(Action.ADD_HEADERS).edits(new Response.AddHeader("X-A", "1"))
                .reply(Stage.EOM, FakeReply.CONTINUE));
        FakeMilter b = fx.fake(s -> s.actions(Action.ADD_HEADERS).edits(new Response.AddHeader("X-B", "2")));
        Mta mta = mta(way, fx.manager(child("a", a).build(), child("b", b).build()));
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");
        mta.rcpt("<bob@example.net>");
        mta.data();
        mta.header("Subject", "hi");
        mta.eoh();
        mta.body("hi\r\n");

        assertEquals(List.of(new Response.AddHeader("X-A", "1"), new Response.AddHeader("X-B", "2"),
                new Response.Continue()), mta.eom());
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aReplyCodeAtMailIsForwarded(Way way) throws Exception {
        FakeMilter a = fx.fake(s -> s.reply(Stage.MAIL, FakeReply.replyCode("550 5.7.1 no thanks")));
        Mta mta = mta(way, fx.manager(child("a", a).build()));
        mta.connect();
        mta.helo();

        assertEquals(new Response.ReplyCode(SmtpReply.parse("550 5.7.1 no thanks")), mta.mail("<a@example.org>"));
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void withoutChildrenTheManagersFallbackAnswers(Way way) throws Exception {
        Mta mta = mta(way, fx.manager(MilterManagerConfig.builder().fallbackStatus(Status.REJECT)));

        assertEquals(new Response.Reject(), mta.connect());
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aRecipientHiddenByAConditionKeepsTheMessageGoing(Way way) throws Exception {
        FakeMilter a = fx.fake(s -> s);
        ApplicabilityPolicy notForPostmaster = ctx -> !(ctx.event() instanceof Command.Recipient r
                && r.recipient().startsWith("<postmaster@"));
        Mta mta = mta(way, fx.manager(child("a", a).addCondition(notForPostmaster).build()));
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");

        assertEquals(new Response.Continue(), mta.rcpt("<postmaster@example.net>"));
        assertEquals(new Response.Continue(), mta.rcpt("<bob@example.net>"));
        mta.quit();
        assertEquals(List.of("<bob@example.net>"), ended(a.takeSession(FanOutFixture.WAIT)).recipients());
    }
}
