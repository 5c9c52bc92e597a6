package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.ended;
import static dev.miltermanager.manager.FanOutFixture.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several messages on one MTA connection: each starts clean (design.md §3 "Reference bugs not to copy": the C
 * manager 2.3.2 behind Postfix answered a second message with the first one's 550 although every child continued),
 * children that left a message take part again at the next MAIL, and ABORT — which Postfix sends after every
 * transaction, also after end of message — is harmless.
 */
class MessagesOnOneConnectionTest {
    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    private Mta connected(ChildConfig... children) {
        Mta mta = fx.inProcess(fx.manager(children));
        mta.negotiate();
        mta.connect();
        mta.helo();
        return mta;
    }

    /** Rejects a message whose body says "spam" at end of message, continues otherwise. */
    private FakeMilter spamFilter() throws Exception {
        return fx.fake(s -> s.on(Stage.EOM, "spam", FakeReply.REJECT).reply(Stage.EOM, FakeReply.CONTINUE));
    }

    @ParameterizedTest(name = "{0} child(ren)")
    @ValueSource(ints = {1, 2})
    void aRejectAtEndOfMessageDoesNotCarryOverToTheNextMessage(int children) throws Exception {
        ChildConfig filter = child("filter", spamFilter()).build();
        ChildConfig other = child("other", fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE))).build();
        Mta mta = children == 1 ? connected(filter) : connected(filter, other);

        assertEquals(new Response.Reject(), mta.message("<a@example.org>", "<bob@example.net>", "spam\r\n"));
        mta.abort();
        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<bob@example.net>", "ham\r\n"));
        mta.abort();
        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<carol@example.net>", "ham\r\n"));
    }

    @Test
    void aRejectAtEndOfMessageDoesNotCarryOverWhenTheNextMailFollowsWithoutAbort() throws Exception {
        Mta mta = connected(child("filter", spamFilter()).build());

        assertEquals(new Response.Reject(), mta.message("<a@example.org>", "<bob@example.net>", "spam\r\n"));
        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<bob@example.net>", "ham\r\n"));
    }

    @Test
    void aRejectAtAHeaderDoesNotCarryOverToTheNextMessage() throws Exception {
        FakeMilter filter = fx.fake(s -> s.on(Stage.HEADER, "X-Spam: yes", FakeReply.REJECT));
        Mta mta = connected(child("filter", filter).build());

        mta.mail("<a@example.org>");
        mta.rcpt("<bob@example.net>");
        mta.data();
        assertEquals(new Response.Reject(), mta.header("X-Spam", "yes"));
        mta.abort();
        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<bob@example.net>", "ham\r\n"));
    }

    @Test
    void manyMessagesEachGetTheirOwnVerdict() throws Exception {
        Mta mta = connected(child("filter", spamFilter()).build(),
                child("other", fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE))).build());

        List<String> bodies = List.of("spam\r\n", "ham\r\n", "ham\r\n", "spam\r\n", "spam\r\n", "ham\r\n");
        List<Response.Decision> verdicts = bodies.stream().map(body -> {
            Response.Decision verdict = mta.message("<a@example.org>", "<bob@example.net>", body);
            mta.abort();
            return verdict;
        }).toList();
        assertEquals(bodies.stream().map(b -> b.startsWith("spam") ? (Response.Decision) new Response.Reject()
                : new Response.Continue()).toList(), verdicts);
    }

    @Test
    void aChildThatAcceptedAtMailTakesPartAgainAtTheNextMail() throws Exception {
        FakeMilter lists = fx.fake(s -> s.on(Stage.MAIL, "<list@", FakeReply.ACCEPT).reply(Stage.EOM,
                FakeReply.CONTINUE));
        FakeMilter other = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        Mta mta = connected(child("lists", lists).build(), child("other", other).build());

        assertEquals(new Response.Continue(), mta.message("<list@example.org>", "<bob@example.net>", "one\r\n"));
        mta.abort();
        assertEquals(new Response.Continue(), mta.message("<alice@example.org>", "<bob@example.net>", "two\r\n"));
        mta.abort();
        mta.quit();

        FakeSession session = ended(lists.takeSession(FanOutFixture.WAIT));
        assertEquals(List.of(), session.message(0).recipients());
        assertEquals(List.of("<bob@example.net>"), session.message(1).recipients());
        assertEquals("two\r\n", session.message(1).bodyText());
        assertTrue(session.message(1).endOfMessage());
    }

    @Test
    void abortAfterEndOfMessageIsHarmless() throws Exception {
        FakeMilter a = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        Mta mta = connected(child("a", a).build());

        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<bob@example.net>", "one\r\n"));
        assertEquals(List.of(), mta.send(new Command.Abort()));
        assertEquals(List.of(), mta.send(new Command.Abort()), "even twice");
        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<carol@example.net>", "two\r\n"));
        mta.quit();

        FakeSession session = ended(a.takeSession(FanOutFixture.WAIT));
        assertTrue(session.message(0).endOfMessage());
        assertEquals(List.of("<carol@example.net>"), session.message(1).recipients());
        assertEquals("two\r\n", session.message(1).bodyText());
        a.assertNoErrors();
    }

    @Test
    void anAbortedMessageLeavesNothingForTheNextReplay() throws Exception {
        FakeMilter first = fx.fake(s -> s.actions(Action.ADD_HEADERS).reply(Stage.EOM, FakeReply.CONTINUE));
        FakeMilter replayed = fx.fake(s -> s.actions(Action.ADD_HEADERS).reply(Stage.EOM, FakeReply.CONTINUE));
        Mta mta = connected(child("first", first).build(), child("replayed", replayed).build());

        mta.mail("<a@example.org>");
        mta.rcpt("<bob@example.net>");
        mta.data();
        mta.header("X-First", "message one");
        mta.eoh();
        mta.body("one\r\n");
        mta.abort();
        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<bob@example.net>", "two\r\n"));
        mta.quit();

        FakeSession session = ended(replayed.takeSession(FanOutFixture.WAIT));
        assertTrue(session.message(0).aborted());
        assertEquals(List.of(new Command.Header("Subject", "test")), session.message(1).headers());
        assertEquals("two\r\n", session.message(1).bodyText());
    }

    @Test
    void theMacrosOfOneMessageAreNotSentWithTheNext() throws Exception {
        FakeMilter a = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        Mta mta = connected(child("a", a).build());

        mta.macros('M', Map.of("{mail_addr}", "a@example.org"));
        mta.mail("<a@example.org>");
        mta.macros('R', Map.of("{rcpt_addr}", "bob@example.net"));
        mta.rcpt("<bob@example.net>");
        mta.abort();
        mta.mail("<b@example.org>");
        mta.rcpt("<carol@example.net>");
        mta.quit();

        List<FakeSession.Received> mails = ended(a.takeSession(FanOutFixture.WAIT)).received(Stage.MAIL);
        List<FakeSession.Received> rcpts = a.sessions().getFirst().received(Stage.RCPT);
        assertEquals(Map.of("{mail_addr}", "a@example.org"), mails.get(0).macros());
        assertEquals(Map.of(), mails.get(1).macros());
        assertEquals(Map.of("{rcpt_addr}", "bob@example.net"), rcpts.get(0).macros());
        assertEquals(Map.of(), rcpts.get(1).macros());
    }

    @Test
    void aNewSmtpConnectionOnTheSameMilterConnectionReachesFreshChildren() throws Exception {
        FakeMilter a = fx.fake(s -> s.on(Stage.CONNECT, "second.example.org", FakeReply.REJECT));
        Mta mta = connected(child("a", a).build());

        mta.send(new Command.QuitNewConnection());
        assertEquals(List.of(new Response.Reject()), mta.send(new Command.Connect("second.example.org",
                Command.Family.INET, 40001, "192.0.2.11")));
        mta.quit();

        List<FakeSession> sessions = a.awaitConnections(2, FanOutFixture.WAIT);
        assertEquals(List.of("connect", "helo", "quit"), trace(ended(sessions.get(0))));
        assertEquals(List.of("connect", "quit"), trace(ended(sessions.get(1))));
    }
}
