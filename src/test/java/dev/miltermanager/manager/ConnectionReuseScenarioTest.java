package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.WAIT;
import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * {@code reuse_connection}: a child's connection outlives the MTA session that ended right after end of message
 * (the manager sends {@code K}) and serves the next session without a new connection or negotiation; a kept
 * connection the child closed meanwhile is replaced without the session noticing; one that hangs is a failure as
 * any other, never retried.
 */
class ConnectionReuseScenarioTest {
    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    /** One MTA session as Postfix runs it: negotiate, connect, HELO, a message, ABORT after it, QUIT. */
    private static List<Response> postfixSession(MilterManager manager, String sender) {
        try (Mta mta = Mta.inProcess(manager.openSession())) {
            mta.negotiate();
            mta.connect();
            mta.helo();
            mta.mail(sender);
            mta.rcpt("<bob@example.net>");
            mta.header("Subject", "hello");
            mta.eoh();
            mta.body("Hello\r\n");
            List<Response> eom = mta.eom();
            mta.abort();
            mta.quit();
            return eom;
        }
    }

    @Test
    void sessionsEndingAfterEndOfMessageShareOneConnectionWithKBetweenThem() throws Exception {
        FakeMilter fake = fx.fake(s -> s.actions(Action.ADD_HEADERS)
                .edits(new Response.AddHeader("X-Seen", "yes")));
        MilterManager manager = fx.manager(child("kept", fake).reuseConnection(true).build());

        for (String sender : List.of("<one@example.org>", "<two@example.org>", "<three@example.org>")) {
            assertEquals(List.of(new Response.AddHeader("X-Seen", "yes"), new Response.Continue()),
                    postfixSession(manager, sender), "the edits of a kept connection reach the MTA");
        }
        List<String> one = List.of("connect", "helo", "mail ", "rcpt <bob@example.net>", "header Subject", "eoh",
                "body", "eom");
        assertEquals(1, fake.sessions().size(), "one connection: " + fake.transcript());
        manager.close();
        FakeSession session = FanOutFixture.ended(fake.sessions().getFirst());
        List<String> expected = new ArrayList<>();
        for (String sender : List.of("<one@example.org>", "<two@example.org>", "<three@example.org>")) {
            one.forEach(tag -> expected.add(tag.equals("mail ") ? "mail " + sender : tag));
            expected.add("quit-nc");
        }
        expected.add("quit");
        assertEquals(expected, trace(session), "no ABORT after end of message (a K after it is not taken); the "
                + "manager's close quits the kept connection");
        assertEquals(1, session.commands().stream().filter(Command.Negotiate.class::isInstance).count(),
                "negotiated once");
        assertEquals(0, manager.statistics().children().get("kept").connectFailures());
        assertEquals(2, manager.statistics().children().get("kept").keptConnectionsUsed());
    }

    @Test
    void withoutReuseEverySessionHasItsOwnConnectionAndGetsTheAbortAndQuit() throws Exception {
        FakeMilter fake = fx.fake(s -> s);
        MilterManager manager = fx.manager(child("plain", fake).build());

        postfixSession(manager, "<one@example.org>");
        postfixSession(manager, "<two@example.org>");
        List<FakeSession> sessions = fake.awaitConnections(2, WAIT);
        assertEquals(List.of("eom", "abort", "quit"),
                trace(FanOutFixture.ended(sessions.get(0))).subList(7, 10), "the reference's behaviour");
    }

    @Test
    void aSessionWithoutMessageEndsWithQuitAndItsConnectionIsNotKept() throws Exception {
        FakeMilter fake = fx.fake(s -> s);
        MilterManager manager = fx.manager(child("kept", fake).reuseConnection(true).build());
        try (Mta mta = Mta.inProcess(manager.openSession())) {
            mta.negotiate();
            mta.connect();
            mta.helo();
            mta.quit();
        }
        postfixSession(manager, "<two@example.org>");

        List<FakeSession> sessions = fake.awaitConnections(2, WAIT);
        assertEquals(List.of("connect", "helo", "quit"), trace(FanOutFixture.ended(sessions.get(0))),
                "K is taken by libmilter only right after end of message");
    }

    @Test
    void aKeptConnectionTheChildClosedIsReplacedAndTheSessionGoesOn() throws Exception {
        // the child hangs up at the first CONNECT after a K, as a restarted child's old connection would
        FakeMilter fake = fx.fake(s -> s.on(Stage.CONNECT, (session, command) -> session.commands().stream()
                .anyMatch(Command.QuitNewConnection.class::isInstance) ? FakeReply.CLOSE : null));
        MilterManager manager = fx.manager(child("kept", fake).reuseConnection(true).build());

        postfixSession(manager, "<one@example.org>");
        assertEquals(List.of(new Response.Continue()), postfixSession(manager, "<two@example.org>"));

        List<FakeSession> sessions = fake.awaitConnections(2, WAIT);
        assertEquals(2, sessions.size(), fake.transcript());
        assertEquals(List.of("connect", "helo", "mail <two@example.org>", "rcpt <bob@example.net>",
                "header Subject", "eoh", "body", "eom"),
                trace(sessions.get(1)).subList(0, 8), "the new connection got the whole second session");
        ChildStatistics stats = manager.statistics().children().get("kept");
        assertEquals(0, stats.failures(Stage.CONNECT), "the replaced connection is no failure");
    }

    @Test
    void aKeptConnectionThatHangsIsAFailureIsNotRetriedAndEndsReuseForTheChild() throws Exception {
        FakeMilter fake = fx.fake(s -> s.on(Stage.CONNECT, (session, command) -> session.commands().stream()
                .anyMatch(Command.QuitNewConnection.class::isInstance) ? FakeReply.SILENCE : null));
        MilterManager manager = fx.manager(child("kept", fake).reuseConnection(true)
                .readingTimeout(Duration.ofSeconds(1)).build());

        postfixSession(manager, "<one@example.org>");
        postfixSession(manager, "<two@example.org>");

        assertEquals(1, fake.sessions().size(), "no second connection: " + fake.transcript());
        assertEquals(1, manager.statistics().children().get("kept").failures(Stage.CONNECT));

        // the child may not implement K: connections to it are no longer kept, so the next sessions work
        assertEquals(List.of(new Response.Continue()), postfixSession(manager, "<three@example.org>"));
        assertEquals(List.of(new Response.Continue()), postfixSession(manager, "<four@example.org>"));
        List<FakeSession> sessions = fake.awaitConnections(3, WAIT);
        assertEquals(3, sessions.size(), fake.transcript());
        assertEquals("quit", trace(FanOutFixture.ended(sessions.get(1))).getLast(), "not kept, not K");
        assertEquals(1, manager.statistics().children().get("kept").failures(Stage.CONNECT));
    }

    @Test
    void aChildStoppedAtConnectLeavesItsKeptConnectionForTheNextSession() throws Exception {
        FakeMilter fake = fx.fake(s -> s);
        MilterManager manager = fx.manager(child("kept", fake).reuseConnection(true)
                .addCondition("not here", context -> context.stage() != Stage.CONNECT).build());

        postfixSession(manager, "<one@example.org>");
        postfixSession(manager, "<two@example.org>");
        assertEquals(1, fake.sessions().size(), fake.transcript());
        assertEquals(List.of(), trace(fake.sessions().getFirst()), "nothing sent, not even K or QUIT");
        assertEquals(2, manager.statistics().children().get("kept").stops("not here"));
    }
}
