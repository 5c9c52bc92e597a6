package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.ended;
import static dev.miltermanager.manager.FanOutFixture.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the manager answers the MTA's negotiation, merged from the children's answers (design.md §3
 * "Negotiation"; the reference's {@code negotiate*}, {@code connect-no-child}, {@code connect-no-enabled-child},
 * {@code negotiate-fallback-*} scenarios), and what the session then does.
 */
class NegotiationScenarioTest {
    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    // ---- no child to ask ----

    @ParameterizedTest(name = "fallback {0}")
    @EnumSource(value = Status.class, names = {"ACCEPT", "TEMPORARY_FAILURE", "REJECT", "DISCARD"})
    void withNoChildConfiguredEveryEventIsAnsweredWithTheManagersFallbackStatus(Status fallback) {
        Mta mta = fx.inProcess(fx.manager(MilterManagerConfig.builder().fallbackStatus(fallback)));

        Response.Negotiate negotiated = mta.negotiate();
        assertEquals(new Response.Negotiate(6, 0, 0), negotiated, "nothing asked for, no event left out");
        assertEquals(fallback.toDecision(), mta.connect());
        assertEquals(fallback.toDecision(), mta.helo());
        assertEquals(fallback.toDecision(), mta.mail("<sender@example.org>"));
    }

    @Test
    void aDisabledChildIsNeverConnectedAndWithoutAnotherTheFallbackAnswers() throws Exception {
        FakeMilter disabled = fx.fake(s -> s.reply(Stage.CONNECT, FakeReply.REJECT));
        Mta mta = fx.inProcess(fx.manager(MilterManagerConfig.builder().fallbackStatus(Status.TEMPORARY_FAILURE)
                .addChild(child("off", disabled).enabled(false).build())));

        mta.negotiate();
        assertEquals(new Response.TempFail(), mta.connect());
        mta.quit();
        assertEquals(List.of(), disabled.sessions());
    }

    @Test
    void aDisabledChildIsSkippedAndTheEnabledOnesAnswer() throws Exception {
        FakeMilter disabled = fx.fake(s -> s.reply(Stage.CONNECT, FakeReply.REJECT));
        FakeMilter enabled = fx.fake(s -> s);
        Mta mta = fx.inProcess(fx.manager(child("off", disabled).enabled(false).build(), child("on", enabled).build()));

        mta.negotiate();
        assertEquals(new Response.Continue(), mta.connect());
        assertEquals(List.of(), disabled.sessions());
    }

    // ---- a child that cannot be reached ----

    @Test
    void anUnreachableChildWhoseFallbackIsAcceptIsLeftOutAndTheOthersDecide() throws Exception {
        FakeMilter reachable = fx.fake(s -> s.actions(Action.ADD_HEADERS).on(Stage.RCPT, "<spam@", FakeReply.REJECT));
        Mta mta = fx.inProcess(fx.manager(child("up", reachable).build(),
                ChildConfig.builder("down", FanOutFixture.nothingListening()).build()));

        assertEquals(Action.ADD_HEADERS.bit(), mta.negotiate().actions());
        assertEquals(new Response.Continue(), mta.connect());
        assertEquals(new Response.Continue(), mta.helo());
        assertEquals(new Response.Continue(), mta.mail("<sender@example.org>"));
        assertEquals(new Response.Reject(), mta.rcpt("<spam@example.net>"));
    }

    @ParameterizedTest(name = "child fallback {0}")
    @EnumSource(value = Status.class, names = {"TEMPORARY_FAILURE", "REJECT", "DISCARD"})
    void anUnreachableChildWithAFinalFallbackDropsTheOthersAndTheManagersFallbackAnswers(Status childFallback)
            throws Exception {
        FakeMilter reachable = fx.fake(s -> s.reply(Stage.CONNECT, FakeReply.REJECT));
        Mta mta = fx.inProcess(fx.manager(child("up", reachable).build(),
                ChildConfig.builder("down", FanOutFixture.nothingListening()).fallbackStatus(childFallback).build()));

        mta.negotiate();
        assertEquals(new Response.Accept(), mta.connect(), "manager.fallback_status, accept by default");
        FakeSession up = ended(reachable.takeSession(FanOutFixture.WAIT));
        assertEquals(List.of("quit"), trace(up), "the reachable child is dropped before CONNECT");
    }

    @Test
    void theManagersFallbackAnswersEveryEventWhenAnUnreachableChildForbidsGoingOn() throws Exception {
        FakeMilter reachable = fx.fake(s -> s);
        Mta mta = fx.inProcess(fx.manager(MilterManagerConfig.builder().fallbackStatus(Status.TEMPORARY_FAILURE)
                .addChild(child("up", reachable).build())
                .addChild(ChildConfig.builder("down", FanOutFixture.nothingListening())
                        .fallbackStatus(Status.REJECT).build())));

        mta.negotiate();
        assertEquals(new Response.TempFail(), mta.connect());
        assertEquals(new Response.TempFail(), mta.helo());
    }

    @Test
    void whenNoChildCanBeReachedTheManagersFallbackAnswersAndTheLogSaysWhy() throws Exception {
        try (LogCapture log = new LogCapture(LogCapture.MANAGER)) {
            Mta mta = fx.inProcess(fx.manager(MilterManagerConfig.builder().fallbackStatus(Status.REJECT)
                    .addChild(ChildConfig.builder("down", FanOutFixture.nothingListening()).build())));

            assertEquals(new Response.Negotiate(6, 0, 0), mta.negotiate());
            assertEquals(new Response.Reject(), mta.connect());
            assertEquals(1, log.containing("no child milter could be reached").size(), log.messages().toString());
            assertEquals(1, log.containing("down").stream()
                    .filter(r -> r.getMessage().startsWith("[milter][error][negotiate]")).count(),
                    log.messages().toString());
        }
    }

    // ---- the merged answer ----

    @Test
    void theActionsAreTheUnionOfTheChildrensWithinTheOffer() throws Exception {
        FakeMilter a = fx.fake(s -> s.actions(Action.ADD_HEADERS));
        FakeMilter b = fx.fake(s -> s.actions(Action.CHANGE_BODY, Action.QUARANTINE));
        FakeMilter c = fx.fake(s -> s.actions());
        Mta mta = fx.inProcess(fx.manager(child("a", a).build(), child("b", b).build(), child("c", c).build()));

        int offer = Action.ADD_HEADERS.bit() | Action.CHANGE_BODY.bit() | Action.QUARANTINE.bit()
                | Action.CHANGE_FROM.bit();
        Response.Negotiate negotiated = mta.negotiate(6, offer, ProtocolFlag.ALL);
        assertEquals(Action.ADD_HEADERS.bit() | Action.CHANGE_BODY.bit() | Action.QUARANTINE.bit(),
                negotiated.actions(), Action.describe(negotiated.actions()));
    }

    @Test
    void theMtaIsNeverAskedToLeaveOutAnEventAndTheChildrenDoNotGetWhatTheyDeclined() throws Exception {
        FakeMilter declinesAll = fx.fake(s -> s.protocol(ProtocolFlag.ALL_NO_EVENTS));
        FakeMilter declinesNone = fx.fake(s -> s);
        Mta mta = fx.inProcess(fx.manager(child("a", declinesAll).build(), child("b", declinesNone).build()));

        Response.Negotiate negotiated = mta.negotiate();
        assertEquals(0, negotiated.protocol() & ProtocolFlag.ALL_NO_EVENTS, ProtocolFlag.describe(negotiated.protocol()));
        assertEquals(new Response.Continue(), mta.connect());
        assertEquals(new Response.Continue(), mta.helo());
        assertEquals(new Response.Continue(), mta.unknown("XYZZY"));
        assertEquals(new Response.Continue(), mta.message("<sender@example.org>", "<bob@example.net>", "hi\r\n"));
        mta.quit();

        assertEquals(List.of("eom", "quit"), trace(ended(declinesAll.takeSession(FanOutFixture.WAIT))));
        declinesAll.assertNoViolations();
        assertEquals(List.of("connect", "helo", "unknown", "mail <sender@example.org>", "rcpt <bob@example.net>",
                "data", "header Subject", "eoh", "body", "eom", "quit"),
                trace(ended(declinesNone.takeSession(FanOutFixture.WAIT))));
    }

    @Test
    void aNoReplyFlagIsAgreedWhenEveryChildIsSilentOnThatEvent() throws Exception {
        FakeMilter noReply = fx.fake(s -> s.protocol(ProtocolFlag.NR_HEADER, ProtocolFlag.NR_CONNECT));
        FakeMilter noHeaders = fx.fake(s -> s.protocol(ProtocolFlag.NO_HEADERS, ProtocolFlag.NR_CONNECT));
        Mta mta = fx.inProcess(fx.manager(child("a", noReply).build(), child("b", noHeaders).build()));

        Response.Negotiate negotiated = mta.negotiate();
        assertEquals(ProtocolFlag.NR_HEADER.bit() | ProtocolFlag.NR_CONNECT.bit(),
                negotiated.protocol() & ProtocolFlag.ALL_NO_REPLIES, ProtocolFlag.describe(negotiated.protocol()));
        assertEquals(List.of(), mta.send(new Command.Connect(Mta.CLIENT_HOST, Command.Family.INET, 40000,
                Mta.CLIENT_ADDRESS)));
        mta.helo();
        mta.mail("<sender@example.org>");
        mta.rcpt("<bob@example.net>");
        mta.data();
        assertEquals(List.of(), mta.send(new Command.Header("Subject", "hi")), "no reply to a header");
        assertEquals(new Response.Continue(), mta.eoh());
        noReply.assertNoErrors();
        noHeaders.assertNoViolations();
    }

    @Test
    void noNoReplyFlagWhenOneChildAnswersThatEvent() throws Exception {
        FakeMilter noReply = fx.fake(s -> s.protocol(ProtocolFlag.NR_HEADER, ProtocolFlag.NR_RCPT));
        FakeMilter answers = fx.fake(s -> s.protocol(ProtocolFlag.NR_RCPT));
        Mta mta = fx.inProcess(fx.manager(child("a", noReply).build(), child("b", answers).build()));

        Response.Negotiate negotiated = mta.negotiate();
        assertEquals(ProtocolFlag.NR_RCPT.bit(), negotiated.protocol() & ProtocolFlag.ALL_NO_REPLIES,
                ProtocolFlag.describe(negotiated.protocol()));
    }

    @Test
    void noNoReplyFlagTheMtaDidNotOffer() throws Exception {
        FakeMilter noReply = fx.fake(s -> s.protocol(ProtocolFlag.NR_HEADER));
        Mta mta = fx.inProcess(fx.manager(child("a", noReply).build()));

        Response.Negotiate negotiated = mta.negotiate(6, Action.ALL, ProtocolFlag.ALL & ~ProtocolFlag.NR_HEADER.bit());
        assertEquals(0, negotiated.protocol() & ProtocolFlag.ALL_NO_REPLIES);
        mta.connect();
        mta.helo();
        mta.mail("<sender@example.org>");
        mta.rcpt("<bob@example.net>");
        mta.data();
        assertEquals(new Response.Continue(), mta.header("Subject", "hi"), "the manager answers for the child");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ProtocolFlag.class, names = {"SKIP", "RCPT_REJ", "HEADER_LEADING_SPACE"})
    void anMtaAbilityIsAgreedWhenTheMtaOfferedItAndAChildAskedForIt(ProtocolFlag ability) throws Exception {
        FakeMilter asks = fx.fake(s -> s.protocol(ability));
        FakeMilter doesNotAsk = fx.fake(s -> s);
        Mta mta = fx.inProcess(fx.manager(child("a", asks).build(), child("b", doesNotAsk).build()));

        assertTrue(ability.in(mta.negotiate().protocol()));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ProtocolFlag.class, names = {"SKIP", "RCPT_REJ", "HEADER_LEADING_SPACE"})
    void anMtaAbilityNoChildAskedForIsNotAgreed(ProtocolFlag ability) throws Exception {
        FakeMilter doesNotAsk = fx.fake(s -> s);
        Mta mta = fx.inProcess(fx.manager(child("a", doesNotAsk).build()));

        assertFalse(ability.in(mta.negotiate().protocol()));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ProtocolFlag.class, names = {"SKIP", "RCPT_REJ", "HEADER_LEADING_SPACE"})
    void anMtaAbilityTheMtaDidNotOfferIsNotAgreed(ProtocolFlag ability) throws Exception {
        FakeMilter asks = fx.fake(s -> s.protocol(ability));
        Mta mta = fx.inProcess(fx.manager(child("a", asks).build()));

        assertFalse(ability.in(mta.negotiate(6, Action.ALL, ProtocolFlag.ALL & ~ability.bit()).protocol()));
    }

    @Test
    void theMacroListsAreUnitedPerStage() throws Exception {
        FakeMilter a = fx.fake(s -> s.macros(MacroStage.CONNECT, "j", "{daemon_name}"));
        FakeMilter b = fx.fake(s -> s.macros(MacroStage.CONNECT, "{daemon_name}", "{client_addr}")
                .macros(MacroStage.ENVFROM, "{auth_type}"));
        Mta mta = fx.inProcess(fx.manager(child("a", a).build(), child("b", b).build()));

        Response.Negotiate negotiated = mta.negotiate();
        assertEquals(Map.of(MacroStage.CONNECT, List.of("j", "{daemon_name}", "{client_addr}"),
                MacroStage.ENVFROM, List.of("{auth_type}")), negotiated.macros());
        assertTrue(Action.SET_MACRO_LIST.in(negotiated.actions()));
    }

    // ---- protocol versions ----

    @Test
    void aVersion2ChildIsSentNeitherDataNorUnknownCommands() throws Exception {
        FakeMilter old = fx.fake(s -> s.version(2).reply(Stage.EOM, FakeReply.CONTINUE));
        FakeMilter current = fx.fake(s -> s);
        Mta mta = fx.inProcess(fx.manager(child("old", old).build(), child("current", current).build()));

        assertEquals(6, mta.negotiate().version());
        assertEquals(new Response.Continue(), mta.connect());
        assertEquals(new Response.Continue(), mta.helo());
        assertEquals(new Response.Continue(), mta.unknown("XYZZY"));
        assertEquals(new Response.Continue(), mta.message("<sender@example.org>", "<bob@example.net>", "hi\r\n"));
        mta.quit();

        FakeSession session = ended(old.takeSession(FanOutFixture.WAIT));
        assertEquals(List.of("connect", "helo", "mail <sender@example.org>", "rcpt <bob@example.net>",
                "header Subject", "eoh", "body", "eom", "quit"), trace(session));
        old.assertNoViolations();
    }

    @Test
    void anMtaOfferingVersion2GetsVersion2AndTheChildrenAreOfferedVersion2() throws Exception {
        FakeMilter a = fx.fake(s -> s.actions(Action.ADD_HEADERS).edits(new Response.AddHeader("X-A", "yes")));
        Mta mta = fx.inProcess(fx.manager(child("a", a).build()));

        Response.Negotiate negotiated = mta.negotiate(2, Action.V2, 0);
        assertEquals(2, negotiated.version());
        assertEquals(Action.ADD_HEADERS.bit(), negotiated.actions());
        mta.connect();
        mta.helo();
        mta.mail("<sender@example.org>");
        mta.rcpt("<bob@example.net>");
        mta.header("Subject", "hi");
        mta.eoh();
        mta.body("hi\r\n");
        assertEquals(List.of(new Response.AddHeader("X-A", "yes"), new Response.Continue()), mta.eom());
        mta.quit();

        FakeSession session = ended(a.takeSession(FanOutFixture.WAIT));
        assertEquals(2, session.offer().orElseThrow().version());
        assertTrue(session.message(0).endOfMessage());
        a.assertNoViolations();
    }

    @Test
    void anOfferAboveVersion6IsCappedAt6() throws Exception {
        FakeMilter a = fx.fake(s -> s);
        Mta mta = fx.inProcess(fx.manager(child("a", a).build()));

        assertEquals(6, mta.negotiate(7, Action.ALL, ProtocolFlag.ALL).version());
        assertEquals(6, a.takeSession(FanOutFixture.WAIT).offer().orElseThrow().version());
    }
}
