package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.child;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The manager's counters per child ({@code statistics().children().get(name).answers(stage, status)}) and the
 * reference's statistics log lines at the end of a session, which existing log analysers read:
 * {@code [milter][end][<state>][<status>][<elapsed>](<tag>): <name>} and
 * {@code [session][end][<state>][<status>][<elapsed>](<tag>)}.
 */
class StatisticsScenarioTest {
    private static final Pattern MILTER_END = Pattern.compile(
            "\\[milter]\\[end]\\[([a-z-]+)]\\[([a-z-]+)]\\[(\\d+\\.\\d{6})]\\((\\d+)\\): (\\S+)");
    private static final Pattern SESSION_END = Pattern.compile(
            "\\[session]\\[end]\\[([a-z-]+)]\\[([a-z-]+)]\\[(\\d+\\.\\d{6})]\\((\\d+)\\)");

    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    /** One connection with one message: a rejected recipient, then an accepted one. */
    private static void oneConnection(Mta mta) {
        mta.negotiate();
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");
        mta.rcpt("<spam@example.net>");
        mta.rcpt("<bob@example.net>");
        mta.data();
        mta.header("Subject", "hi");
        mta.eoh();
        mta.body("hi\r\n");
        mta.eom();
        mta.abort();
        mta.quit();
    }

    @Test
    void answersAreCountedPerChildStageAndStatus() throws Exception {
        FakeMilter a = fx.fake(s -> s.on(Stage.RCPT, "<spam@", FakeReply.REJECT).reply(Stage.EOM, FakeReply.ACCEPT));
        FakeMilter b = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        MilterManager manager = fx.manager(child("a", a).build(), child("b", b).build());

        oneConnection(fx.inProcess(manager));
        oneConnection(fx.inProcess(manager));

        ChildStatistics first = manager.statistics().children().get("a");
        ChildStatistics second = manager.statistics().children().get("b");
        assertEquals(2, first.answers(Stage.CONNECT, Status.CONTINUE));
        assertEquals(2, first.answers(Stage.RCPT, Status.REJECT));
        assertEquals(2, first.answers(Stage.RCPT, Status.CONTINUE));
        assertEquals(2, first.answers(Stage.EOM, Status.ACCEPT));
        assertEquals(2, first.answers(Status.REJECT));
        assertEquals(4, second.answers(Stage.RCPT, Status.CONTINUE));
        assertEquals(2, second.answers(Stage.EOM, Status.CONTINUE));
        assertEquals(0, second.answers(Status.REJECT));
        assertEquals(2, manager.statistics().sessionsStarted());
        assertEquals(2, manager.statistics().sessionsFinished());
    }

    @Test
    void anEvaluatedChildIsCountedWithItsRealAnswer() throws Exception {
        FakeMilter a = fx.fake(s -> s.on(Stage.RCPT, "<spam@", FakeReply.REJECT));
        MilterManager manager = fx.manager(child("a", a).evaluationMode(true).build());
        Mta mta = fx.inProcess(manager);
        mta.negotiate();
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");

        assertEquals(new Response.Accept(), mta.rcpt("<spam@example.net>"));
        assertEquals(1, manager.statistics().children().get("a").answers(Stage.RCPT, Status.REJECT));
    }

    @Test
    void aFailureIsCountedAsAFailureAndAsItsFallbackAnswer() throws Exception {
        FakeMilter a = fx.fake(s -> s.on(Stage.RCPT, "<spam@", FakeReply.CLOSE));
        MilterManager manager = fx.manager(child("a", a).fallbackStatus(Status.TEMPORARY_FAILURE).build());
        Mta mta = fx.inProcess(manager);
        mta.negotiate();
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");

        assertEquals(new Response.TempFail(), mta.rcpt("<spam@example.net>"));
        ChildStatistics stats = manager.statistics().children().get("a");
        assertEquals(1, stats.failures(Stage.RCPT));
        assertEquals(1, stats.answers(Stage.RCPT, Status.TEMPORARY_FAILURE));
    }

    @Test
    void aDisabledChildHasCountersThatStayAtZero() throws Exception {
        FakeMilter a = fx.fake(s -> s);
        MilterManager manager = fx.manager(child("a", a).enabled(false).build());
        oneConnection(fx.inProcess(manager));

        assertEquals(0, manager.statistics().children().get("a").answers(Status.CONTINUE));
    }

    // ---- log lines ----

    @Test
    void eachChildAndTheSessionLogTheirEndLikeTheReference() throws Exception {
        FakeMilter a = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        FakeMilter b = fx.fake(s -> s.reply(Stage.CONNECT, FakeReply.ACCEPT));
        MilterManager manager = fx.manager(child("scanner", a).build(), child("whitelist", b).build());
        try (LogCapture log = new LogCapture(LogCapture.MANAGER)) {
            oneConnection(fx.inProcess(manager));

            List<String> milters = log.startingWith("[milter][end]");
            List<String> sessions = log.startingWith("[session][end]");
            assertEquals(2, milters.size(), log.messages().toString());
            assertEquals(1, sessions.size(), log.messages().toString());
            var scanner = matched(MILTER_END, milters.get(0));
            var whitelist = matched(MILTER_END, milters.get(1));
            var session = matched(SESSION_END, sessions.get(0));
            assertEquals(List.of("end-of-message", "pass", "scanner"),
                    List.of(scanner.group(1), scanner.group(2), scanner.group(5)));
            assertEquals(List.of("connect", "accept", "whitelist"),
                    List.of(whitelist.group(1), whitelist.group(2), whitelist.group(5)));
            assertEquals(List.of("end-of-message", "pass"), List.of(session.group(1), session.group(2)));
            assertEquals(session.group(4), scanner.group(4), "the same session tag");
            assertEquals(session.group(4), whitelist.group(4));
        }
    }

    @Test
    void aRejectedMessageIsLoggedWithTheReject() throws Exception {
        FakeMilter a = fx.fake(s -> s.reply(Stage.EOM, FakeReply.REJECT));
        MilterManager manager = fx.manager(child("filter", a).build());
        try (LogCapture log = new LogCapture(LogCapture.MANAGER)) {
            oneConnection(fx.inProcess(manager));

            var milter = matched(MILTER_END, log.startingWith("[milter][end]").getFirst());
            var session = matched(SESSION_END, log.startingWith("[session][end]").getFirst());
            assertEquals(List.of("end-of-message", "reject"), List.of(milter.group(1), milter.group(2)));
            assertEquals(List.of("end-of-message", "reject"), List.of(session.group(1), session.group(2)));
        }
    }

    /** Log analysers parse the elapsed seconds with a dot, whatever the machine's locale. */
    @Test
    void theElapsedTimeIsWrittenWithADotInAnyLocale() throws Exception {
        Locale previous = Locale.getDefault();
        Locale.setDefault(Locale.GERMANY);
        try (LogCapture log = new LogCapture(LogCapture.MANAGER)) {
            FakeMilter a = fx.fake(s -> s);
            oneConnection(fx.inProcess(fx.manager(child("a", a).build())));

            matched(MILTER_END, log.startingWith("[milter][end]").getFirst());
            matched(SESSION_END, log.startingWith("[session][end]").getFirst());
        } finally {
            Locale.setDefault(previous);
        }
    }

    private static Matcher matched(Pattern pattern, String line) {
        Matcher m = pattern.matcher(line);
        assertTrue(m.matches(), line + " does not match " + pattern);
        return m;
    }
}
