package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.after;
import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.ended;
import static dev.miltermanager.manager.FanOutFixture.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Conditions ({@code ChildConfig.Builder.addCondition}): stopping a child at CONNECT or HELO drops it for the
 * connection, at MAIL for the message, at RCPT hides that recipient from it, from DATA on sends it ABORT; a
 * condition that throws counts as "apply"; a condition may set macros for its child (design.md §4, the reference's
 * {@code *-stop} scenarios).
 */
class ConditionScenarioTest {
    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    private static ApplicabilityPolicy stopAt(Stage stage) {
        return ctx -> ctx.stage() != stage;
    }

    private Mta started(ChildConfig... children) {
        Mta mta = fx.inProcess(fx.manager(children));
        mta.negotiate();
        return mta;
    }

    @Test
    void aChildStoppedAtConnectNeverSeesTheConnection() throws Exception {
        FakeMilter stopped = fx.fake(s -> s);
        FakeMilter other = fx.fake(s -> s);
        Mta mta = started(child("stopped", stopped).addCondition(stopAt(Stage.CONNECT)).build(),
                child("other", other).build());

        assertEquals(new Response.Continue(), mta.connect());
        assertEquals(new Response.Continue(), mta.helo());
        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<bob@example.net>", "hi\r\n"));
        mta.quit();
        assertEquals(List.of("quit"), trace(ended(stopped.takeSession(FanOutFixture.WAIT))));
    }

    @Test
    void aChildStoppedAtHeloIsDoneForTheConnection() throws Exception {
        FakeMilter stopped = fx.fake(s -> s);
        FakeMilter other = fx.fake(s -> s);
        Mta mta = started(child("stopped", stopped).addCondition(stopAt(Stage.HELO)).build(),
                child("other", other).build());

        mta.connect();
        assertEquals(new Response.Continue(), mta.helo());
        assertEquals(new Response.Continue(), mta.mail("<a@example.org>"));
        mta.quit();
        assertEquals(List.of("connect", "quit"), trace(ended(stopped.takeSession(FanOutFixture.WAIT))));
    }

    /** Not a failure: nothing is left to ask, so the MTA may accept, whatever manager.fallback_status says. */
    @Test
    void everyChildStoppedAtConnectLetsTheMtaAcceptAndIsNoFailure() throws Exception {
        FakeMilter stopped = fx.fake(s -> s);
        Mta mta = fx.inProcess(fx.manager(MilterManagerConfig.builder().fallbackStatus(Status.TEMPORARY_FAILURE)
                .addChild(child("stopped", stopped).addCondition(stopAt(Stage.CONNECT)).build())));
        mta.negotiate();

        assertEquals(new Response.Accept(), mta.connect());
    }

    @Test
    void aChildStoppedAtMailSkipsTheMessageAndIsBackAtTheNext() throws Exception {
        FakeMilter lists = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        FakeMilter other = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        ApplicabilityPolicy notForLists = ctx -> !(ctx.event() instanceof Command.MailFrom m
                && m.sender().startsWith("<list@"));
        Mta mta = started(child("lists", lists).addCondition(notForLists).build(), child("other", other).build());
        mta.connect();
        mta.helo();

        assertEquals(new Response.Continue(), mta.message("<list@example.org>", "<bob@example.net>", "one\r\n"));
        mta.abort();
        assertEquals(new Response.Continue(), mta.message("<alice@example.org>", "<bob@example.net>", "two\r\n"));
        mta.abort();
        mta.quit();
        FakeSession session = ended(lists.takeSession(FanOutFixture.WAIT));
        assertEquals(List.of("connect", "helo", "mail <alice@example.org>", "rcpt <bob@example.net>", "data",
                "header Subject", "eoh", "body", "eom", "abort", "quit"), trace(session));
    }

    @Test
    void aChildAloneStoppedAtMailLetsTheMtaAcceptTheMessage() throws Exception {
        FakeMilter stopped = fx.fake(s -> s);
        Mta mta = started(child("stopped", stopped).addCondition(stopAt(Stage.MAIL)).build());
        mta.connect();
        mta.helo();

        assertEquals(new Response.Accept(), mta.mail("<a@example.org>"));
    }

    @Test
    void aRecipientStoppedForAChildIsHiddenFromIt() throws Exception {
        FakeMilter a = fx.fake(s -> s);
        FakeMilter other = fx.fake(s -> s);
        ApplicabilityPolicy notForPostmaster = ctx -> !(ctx.event() instanceof Command.Recipient r
                && r.recipient().startsWith("<postmaster@"));
        Mta mta = started(child("a", a).addCondition(notForPostmaster).build(), child("other", other).build());
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");

        assertEquals(new Response.Continue(), mta.rcpt("<postmaster@example.net>"));
        assertEquals(new Response.Continue(), mta.rcpt("<bob@example.net>"));
        assertEquals(new Response.Continue(), mta.data());
        mta.quit();
        assertEquals(List.of("<bob@example.net>"), ended(a.takeSession(FanOutFixture.WAIT)).recipients());
        assertEquals(List.of("<postmaster@example.net>", "<bob@example.net>"),
                ended(other.takeSession(FanOutFixture.WAIT)).recipients());
    }

    /** The child still takes part in the message: accepting it now would let the MTA skip the child altogether. */
    @Test
    void aRecipientHiddenFromTheOnlyChildIsNotAnAcceptOfTheMessage() throws Exception {
        FakeMilter a = fx.fake(s -> s.on(Stage.EOM, "spam", FakeReply.REJECT));
        ApplicabilityPolicy notForPostmaster = ctx -> !(ctx.event() instanceof Command.Recipient r
                && r.recipient().startsWith("<postmaster@"));
        Mta mta = started(child("a", a).addCondition(notForPostmaster).build());
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");
        assertEquals(new Response.Continue(), mta.rcpt("<bob@example.net>"));

        assertEquals(new Response.Continue(), mta.rcpt("<postmaster@example.net>"));
        assertEquals(new Response.Continue(), mta.data());
        mta.header("Subject", "hi");
        mta.eoh();
        mta.body("spam\r\n");
        assertEquals(List.of(new Response.Reject()), mta.eom());
    }

    @Test
    void aRecipientHiddenFromOneChildWhileTheOtherAcceptsIsNotAnAcceptOfTheMessage() throws Exception {
        FakeMilter hidden = fx.fake(s -> s);
        FakeMilter accepting = fx.fake(s -> s.reply(Stage.RCPT, FakeReply.ACCEPT));
        ApplicabilityPolicy notForPostmaster = ctx -> !(ctx.event() instanceof Command.Recipient r
                && r.recipient().startsWith("<postmaster@"));
        Mta mta = started(child("hidden", hidden).addCondition(notForPostmaster).build(),
                child("accepting", accepting).build());
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");

        assertEquals(new Response.Continue(), mta.rcpt("<postmaster@example.net>"));
    }

    @Test
    void aChildStoppedAtDataIsSentAbort() throws Exception {
        FakeMilter stopped = fx.fake(s -> s);
        FakeMilter other = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        Mta mta = started(child("stopped", stopped).addCondition(stopAt(Stage.DATA)).build(),
                child("other", other).build());
        mta.connect();
        mta.helo();

        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<bob@example.net>", "hi\r\n"));
        mta.abort();
        mta.quit();
        assertEquals(List.of("abort", "quit"), after(ended(stopped.takeSession(FanOutFixture.WAIT)), "rcpt"));
        assertTrue(ended(other.takeSession(FanOutFixture.WAIT)).message(0).endOfMessage());
    }

    @Test
    void aChildStoppedAtAHeaderIsSentAbortAndTheOthersGoOn() throws Exception {
        FakeMilter stopped = fx.fake(s -> s.actions());
        FakeMilter other = fx.fake(s -> s.actions().reply(Stage.EOM, FakeReply.CONTINUE));
        ApplicabilityPolicy notForTrusted = ctx -> !(ctx.event() instanceof Command.Header h
                && h.name().equals("X-Trusted"));
        Mta mta = started(child("stopped", stopped).addCondition(notForTrusted).build(),
                child("other", other).build());
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");
        mta.rcpt("<bob@example.net>");
        mta.data();

        assertEquals(new Response.Continue(), mta.header("X-Trusted", "yes"));
        assertEquals(new Response.Continue(), mta.header("Subject", "hi"));
        assertEquals(new Response.Continue(), mta.eoh());
        assertEquals(new Response.Continue(), mta.body("hi\r\n"));
        assertEquals(List.of(new Response.Continue()), mta.eom());
        mta.abort();
        mta.quit();
        assertEquals(List.of("abort", "quit"), after(ended(stopped.takeSession(FanOutFixture.WAIT)), "data"));
        assertEquals(2, ended(other.takeSession(FanOutFixture.WAIT)).message(0).headers().size());
    }

    @Test
    void aChildStoppedAtEndOfMessageIsSentAbortAndItsAnswerDoesNotCount() throws Exception {
        FakeMilter stopped = fx.fake(s -> s.actions().reply(Stage.EOM, FakeReply.REJECT));
        FakeMilter other = fx.fake(s -> s.actions().reply(Stage.EOM, FakeReply.CONTINUE));
        Mta mta = started(child("stopped", stopped).addCondition(stopAt(Stage.EOM)).build(),
                child("other", other).build());
        mta.connect();
        mta.helo();

        assertEquals(new Response.Continue(), mta.message("<a@example.org>", "<bob@example.net>", "hi\r\n"));
        mta.quit();
        assertEquals(List.of("abort", "quit"), after(ended(stopped.takeSession(FanOutFixture.WAIT)), "body"));
    }

    @Test
    void aReplayedChildStoppedAtAHeaderIsSentAbortAndGetsNoEndOfMessage() throws Exception {
        FakeMilter first = fx.fake(s -> s.actions(Action.ADD_HEADERS)
                .reply(Stage.EOM, FakeReply.CONTINUE));
        FakeMilter replayed = fx.fake(s -> s.reply(Stage.EOM, FakeReply.REJECT));
        ApplicabilityPolicy notForTrusted = ctx -> !(ctx.event() instanceof Command.Header h
                && h.name().equals("X-Trusted"));
        Mta mta = started(child("first", first).build(),
                child("replayed", replayed).addCondition(notForTrusted).build());
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");
        mta.rcpt("<bob@example.net>");
        mta.data();
        mta.header("Subject", "hi");
        mta.header("X-Trusted", "yes");
        mta.eoh();
        mta.body("hi\r\n");

        assertEquals(List.of(new Response.Continue()), mta.eom());
        mta.quit();
        assertEquals(List.of("header Subject", "abort", "quit"),
                after(ended(replayed.takeSession(FanOutFixture.WAIT)), "data"));
    }

    @Test
    void aConditionThatThrowsCountsAsApplyAndIsLogged() throws Exception {
        FakeMilter a = fx.fake(s -> s.on(Stage.RCPT, "<spam@", FakeReply.REJECT));
        ApplicabilityPolicy broken = ctx -> {
            throw new IllegalStateException("broken condition");
        };
        try (LogCapture log = new LogCapture(LogCapture.MANAGER)) {
            Mta mta = started(child("a", a).addCondition(broken).build());
            mta.connect();
            mta.helo();
            mta.mail("<a@example.org>");

            assertEquals(new Response.Reject(), mta.rcpt("<spam@example.net>"));
            var logged = log.containing("[manager][condition][error]");
            assertFalse(logged.isEmpty(), log.messages().toString());
            assertEquals(Level.WARNING, logged.getFirst().getLevel());
            assertTrue(logged.getFirst().getThrown() instanceof IllegalStateException);
        }
    }

    @Test
    void everyConditionOfAChildMustAllowIt() throws Exception {
        FakeMilter a = fx.fake(s -> s);
        ApplicabilityPolicy notForPostmaster = ctx -> !(ctx.event() instanceof Command.Recipient r
                && r.recipient().startsWith("<postmaster@"));
        ApplicabilityPolicy notForAbuse = ctx -> !(ctx.event() instanceof Command.Recipient r
                && r.recipient().startsWith("<abuse@"));
        Mta mta = started(child("a", a).addCondition(notForPostmaster).addCondition(notForAbuse).build());
        mta.connect();
        mta.helo();
        mta.mail("<a@example.org>");
        mta.rcpt("<postmaster@example.net>");
        mta.rcpt("<abuse@example.net>");
        mta.rcpt("<bob@example.net>");
        mta.quit();

        assertEquals(List.of("<bob@example.net>"), ended(a.takeSession(FanOutFixture.WAIT)).recipients());
    }

    @Test
    void aMacroSetByAConditionReachesTheChildWithTheEvent() throws Exception {
        FakeMilter a = fx.fake(s -> s);
        ApplicabilityPolicy stressNotify = ctx -> {
            if (ctx.stage() == Stage.CONNECT) {
                ctx.setMacro("{stress}", "yes");
            }
            return true;
        };
        Mta mta = started(child("a", a).addCondition(stressNotify).build());
        mta.macros('C', Map.of("j", "mx.example.net"));
        mta.connect();
        mta.quit();

        FakeSession.Received connect = ended(a.takeSession(FanOutFixture.WAIT)).received(Stage.CONNECT).getFirst();
        assertEquals(Map.of("j", "mx.example.net", "{stress}", "yes"), connect.macros());
    }

    @Test
    void aMacroSetByAConditionIsForThatChildOnly() throws Exception {
        FakeMilter a = fx.fake(s -> s);
        FakeMilter b = fx.fake(s -> s);
        ApplicabilityPolicy mark = ctx -> {
            ctx.setMacro("{marked}", "yes");
            return true;
        };
        Mta mta = started(child("a", a).addCondition(mark).build(), child("b", b).build());
        mta.connect();
        mta.quit();

        assertEquals(Map.of(), ended(b.takeSession(FanOutFixture.WAIT)).received(Stage.CONNECT).getFirst().macros());
    }

    /** A macro set at MAIL or later belongs to that message (as the Trust condition's {trusted_domain}). */
    @Test
    void aMacroSetByAConditionForOneMessageIsNotSentWithTheNext() throws Exception {
        FakeMilter a = fx.fake(s -> s.reply(Stage.EOM, FakeReply.CONTINUE));
        ApplicabilityPolicy trust = ctx -> {
            if (ctx.event() instanceof Command.MailFrom m && m.sender().endsWith("@trusted.example>")) {
                ctx.setMacro("{trusted_domain}", "yes");
            }
            return true;
        };
        Mta mta = started(child("a", a).addCondition(trust).build());
        mta.connect();
        mta.helo();
        mta.message("<alice@trusted.example>", "<bob@example.net>", "one\r\n");
        mta.abort();
        mta.message("<mallory@example.org>", "<bob@example.net>", "two\r\n");
        mta.quit();

        List<FakeSession.Received> mails = ended(a.takeSession(FanOutFixture.WAIT)).received(Stage.MAIL);
        assertEquals(Map.of("{trusted_domain}", "yes"), mails.get(0).macros());
        assertEquals(Map.of(), mails.get(1).macros());
    }

    @Test
    void aConditionSeesTheEventAndTheSessionSoFar() throws Exception {
        FakeMilter a = fx.fake(s -> s);
        List<String> seen = new CopyOnWriteArrayList<>();
        ApplicabilityPolicy recorder = ctx -> {
            if (ctx.stage() == Stage.RCPT) {
                seen.add(ctx.childName() + " " + ((Command.Recipient) ctx.event()).recipient() + " from "
                        + ctx.session().envelopeFrom().orElse("?") + " via " + ctx.session().helo().orElse("?")
                        + " at " + ctx.session().clientAddress().map(x -> x.getHostAddress()).orElse("?"));
            }
            return true;
        };
        Mta mta = started(child("a", a).addCondition(recorder).build());
        mta.connect();
        mta.helo();
        mta.mail("<alice@example.org>");
        mta.rcpt("<bob@example.net>");

        assertEquals(List.of("a <bob@example.net> from <alice@example.org> via client.example.org at 192.0.2.10"),
                seen);
    }
}
