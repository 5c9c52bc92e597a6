package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.after;
import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.ended;
import static dev.miltermanager.manager.FanOutFixture.trace;
import static dev.miltermanager.manager.StatusAtEachStageTest.Fate.BODY_SKIPPED;
import static dev.miltermanager.manager.StatusAtEachStageTest.Fate.DONE_FOR_CONNECTION;
import static dev.miltermanager.manager.StatusAtEachStageTest.Fate.DONE_FOR_MESSAGE;
import static dev.miltermanager.manager.StatusAtEachStageTest.Fate.GOES_ON;
import static dev.miltermanager.manager.StatusAtEachStageTest.Fate.MESSAGE_ENDS;
import static dev.miltermanager.manager.StatusAtEachStageTest.Fate.RECIPIENT_REFUSED;
import static dev.miltermanager.protocol.Stage.BODY;
import static dev.miltermanager.protocol.Stage.CONNECT;
import static dev.miltermanager.protocol.Stage.DATA;
import static dev.miltermanager.protocol.Stage.EOH;
import static dev.miltermanager.protocol.Stage.EOM;
import static dev.miltermanager.protocol.Stage.HEADER;
import static dev.miltermanager.protocol.Stage.HELO;
import static dev.miltermanager.protocol.Stage.MAIL;
import static dev.miltermanager.protocol.Stage.RCPT;
import static dev.miltermanager.protocol.Stage.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each answer at each stage (design.md §3, the reference's {@code connect-*}, {@code envelope-from-*},
 * {@code envelope-recipient-*}, {@code header-*}, {@code body-*}, {@code end-of-message-*} scenarios): what the MTA
 * gets when one child answers alone and when a second child continues beside it, and what the answering child gets
 * next. The MTA plays the whole connection as a real one would — it stops talking to the manager for the connection
 * after a final answer at CONNECT or HELO, ends a message (ABORT, then the next MAIL) after an accept or a final
 * answer for the message, and goes on after a refused recipient — and a second message always follows, which must
 * come through clean.
 */
class StatusAtEachStageTest {
    static final String FIRST = "<first@example.net>";
    static final String SECOND = "<second@example.net>";
    static final String THIRD = "<third@example.net>";
    static final String TEMPORARY_CODE = "451 4.7.1 try again later";
    static final String PERMANENT_CODE = "550 5.7.1 not here";

    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    /** What the answering child gets next. */
    enum Fate {
        /** The next event of the conversation. */
        GOES_ON,
        /** Nothing more but QUIT. */
        DONE_FOR_CONNECTION,
        /** Nothing more of this message (not even ABORT); it takes part again at the next MAIL. */
        DONE_FOR_MESSAGE,
        /** Only this recipient is refused: the child gets the next recipient and the rest of the message. */
        RECIPIENT_REFUSED,
        /** The message ends for every child: the others are sent ABORT. */
        MESSAGE_ENDS,
        /** No more body chunks, but end of message. */
        BODY_SKIPPED
    }

    /**
     * The table: the stage, the child's answer there, what the MTA gets when the child is alone, what it gets when a
     * second child continues, and what the answering child gets next (with the second child beside it).
     */
    static Stream<Arguments> answers() {
        return Stream.of(
                row(CONNECT, "continue", "continue", "continue", GOES_ON),
                row(CONNECT, "accept", "accept", "continue", DONE_FOR_CONNECTION),
                row(CONNECT, "reject", "reject", "reject", DONE_FOR_CONNECTION),
                row(CONNECT, "tempfail", "tempfail", "tempfail", DONE_FOR_CONNECTION),
                row(CONNECT, "discard", "accept", "continue", DONE_FOR_CONNECTION), // MTAs refuse discard here
                row(CONNECT, TEMPORARY_CODE, TEMPORARY_CODE, TEMPORARY_CODE, DONE_FOR_CONNECTION),
                row(CONNECT, PERMANENT_CODE, PERMANENT_CODE, PERMANENT_CODE, DONE_FOR_CONNECTION),

                row(HELO, "continue", "continue", "continue", GOES_ON),
                row(HELO, "accept", "accept", "continue", DONE_FOR_CONNECTION),
                row(HELO, "reject", "reject", "reject", DONE_FOR_CONNECTION),
                row(HELO, "tempfail", "tempfail", "tempfail", DONE_FOR_CONNECTION),
                row(HELO, "discard", "accept", "continue", DONE_FOR_CONNECTION),
                row(HELO, TEMPORARY_CODE, TEMPORARY_CODE, TEMPORARY_CODE, DONE_FOR_CONNECTION),
                row(HELO, PERMANENT_CODE, PERMANENT_CODE, PERMANENT_CODE, DONE_FOR_CONNECTION),

                // an unknown SMTP command before MAIL: the answer is folded; the child stays (as the reference)
                row(UNKNOWN, "continue", "continue", "continue", GOES_ON),
                row(UNKNOWN, "accept", "accept", "continue", GOES_ON),
                row(UNKNOWN, "reject", "reject", "reject", GOES_ON),
                row(UNKNOWN, "tempfail", "tempfail", "tempfail", GOES_ON),
                row(UNKNOWN, TEMPORARY_CODE, TEMPORARY_CODE, TEMPORARY_CODE, GOES_ON),
                row(UNKNOWN, PERMANENT_CODE, PERMANENT_CODE, PERMANENT_CODE, GOES_ON),

                row(MAIL, "continue", "continue", "continue", GOES_ON),
                row(MAIL, "accept", "accept", "continue", DONE_FOR_MESSAGE),
                row(MAIL, "reject", "reject", "reject", MESSAGE_ENDS),
                row(MAIL, "tempfail", "tempfail", "tempfail", MESSAGE_ENDS),
                row(MAIL, "discard", "discard", "discard", MESSAGE_ENDS),
                row(MAIL, TEMPORARY_CODE, TEMPORARY_CODE, TEMPORARY_CODE, MESSAGE_ENDS),
                row(MAIL, PERMANENT_CODE, PERMANENT_CODE, PERMANENT_CODE, MESSAGE_ENDS),

                row(RCPT, "continue", "continue", "continue", GOES_ON),
                row(RCPT, "accept", "accept", "continue", DONE_FOR_MESSAGE),
                row(RCPT, "reject", "reject", "reject", RECIPIENT_REFUSED),
                row(RCPT, "tempfail", "tempfail", "tempfail", RECIPIENT_REFUSED),
                row(RCPT, "discard", "discard", "discard", MESSAGE_ENDS),
                row(RCPT, TEMPORARY_CODE, TEMPORARY_CODE, TEMPORARY_CODE, RECIPIENT_REFUSED),
                row(RCPT, PERMANENT_CODE, PERMANENT_CODE, PERMANENT_CODE, RECIPIENT_REFUSED),

                row(DATA, "continue", "continue", "continue", GOES_ON),
                row(DATA, "accept", "accept", "continue", DONE_FOR_MESSAGE),
                row(DATA, "reject", "reject", "reject", MESSAGE_ENDS),
                row(DATA, "tempfail", "tempfail", "tempfail", MESSAGE_ENDS),
                row(DATA, "discard", "discard", "discard", MESSAGE_ENDS),
                row(DATA, TEMPORARY_CODE, TEMPORARY_CODE, TEMPORARY_CODE, MESSAGE_ENDS),
                row(DATA, PERMANENT_CODE, PERMANENT_CODE, PERMANENT_CODE, MESSAGE_ENDS),

                row(HEADER, "continue", "continue", "continue", GOES_ON),
                row(HEADER, "accept", "accept", "continue", DONE_FOR_MESSAGE),
                row(HEADER, "reject", "reject", "reject", MESSAGE_ENDS),
                row(HEADER, "tempfail", "tempfail", "tempfail", MESSAGE_ENDS),
                row(HEADER, "discard", "discard", "discard", MESSAGE_ENDS),
                row(HEADER, TEMPORARY_CODE, TEMPORARY_CODE, TEMPORARY_CODE, MESSAGE_ENDS),
                row(HEADER, PERMANENT_CODE, PERMANENT_CODE, PERMANENT_CODE, MESSAGE_ENDS),

                row(EOH, "continue", "continue", "continue", GOES_ON),
                row(EOH, "accept", "accept", "continue", DONE_FOR_MESSAGE),
                row(EOH, "reject", "reject", "reject", MESSAGE_ENDS),
                row(EOH, "tempfail", "tempfail", "tempfail", MESSAGE_ENDS),
                row(EOH, "discard", "discard", "discard", MESSAGE_ENDS),
                row(EOH, TEMPORARY_CODE, TEMPORARY_CODE, TEMPORARY_CODE, MESSAGE_ENDS),
                row(EOH, PERMANENT_CODE, PERMANENT_CODE, PERMANENT_CODE, MESSAGE_ENDS),

                row(BODY, "continue", "continue", "continue", GOES_ON),
                row(BODY, "accept", "accept", "continue", DONE_FOR_MESSAGE),
                row(BODY, "skip", "continue", "continue", BODY_SKIPPED), // the manager itself still wants the body
                row(BODY, "reject", "reject", "reject", MESSAGE_ENDS),
                row(BODY, "tempfail", "tempfail", "tempfail", MESSAGE_ENDS),
                row(BODY, "discard", "discard", "discard", MESSAGE_ENDS),
                row(BODY, TEMPORARY_CODE, TEMPORARY_CODE, TEMPORARY_CODE, MESSAGE_ENDS),
                row(BODY, PERMANENT_CODE, PERMANENT_CODE, PERMANENT_CODE, MESSAGE_ENDS),

                row(EOM, "continue", "continue", "continue", GOES_ON),
                row(EOM, "accept", "continue", "continue", GOES_ON), // at end of message they mean the same
                row(EOM, "reject", "reject", "reject", MESSAGE_ENDS),
                row(EOM, "tempfail", "tempfail", "tempfail", MESSAGE_ENDS),
                row(EOM, "discard", "discard", "discard", MESSAGE_ENDS),
                row(EOM, TEMPORARY_CODE, TEMPORARY_CODE, TEMPORARY_CODE, MESSAGE_ENDS),
                row(EOM, PERMANENT_CODE, PERMANENT_CODE, PERMANENT_CODE, MESSAGE_ENDS));
    }

    private static Arguments row(Stage stage, String answer, String alone, String besideContinue, Fate fate) {
        return Arguments.of(stage, answer, alone, besideContinue, fate);
    }

    @ParameterizedTest(name = "{1} at {0} → the MTA gets {2}")
    @MethodSource("answers")
    void aLoneChildsAnswerIsTheMtasAnswer(Stage stage, String answer, String alone, String besideContinue, Fate fate)
            throws Exception {
        FakeMilter a = fx.fake(b -> b.actions().on(stage, firstOf(stage, answer)).reply(EOM, FakeReply.CONTINUE));
        Talk talk = talk(fx.inProcess(fx.manager(child("a", a).build())), stage);

        assertEquals(decision(alone), talk.atStage(), talk.toString());
        FakeSession child = ended(a.takeSession(FanOutFixture.WAIT));
        if (endsTheConnection(stage, Status.of(decision(alone)))) {
            assertFalse(talk.reachedSecondMessage(), talk.toString());
            assertEquals(List.of("quit"), after(child, anchor(stage)), trace(child).toString());
        } else {
            assertSecondMessageCameThroughClean(talk, child);
        }
        a.assertNoErrors();
    }

    @ParameterizedTest(name = "{1} at {0} beside continue → the MTA gets {3}, the child {4}")
    @MethodSource("answers")
    void anAnswerBesideAContinuingChild(Stage stage, String answer, String alone, String besideContinue, Fate fate)
            throws Exception {
        FakeMilter a = fx.fake(b -> b.actions().on(stage, firstOf(stage, answer)).reply(EOM, FakeReply.CONTINUE));
        FakeMilter b = fx.fake(x -> x.actions().reply(EOM, FakeReply.CONTINUE));
        Talk talk = talk(fx.inProcess(fx.manager(child("a", a).build(), child("b", b).build())), stage);

        assertEquals(decision(besideContinue), talk.atStage(), talk.toString());
        FakeSession first = ended(a.takeSession(FanOutFixture.WAIT));
        FakeSession second = ended(b.takeSession(FanOutFixture.WAIT));
        assertFate(fate, stage, first, second);
        if (talk.reachedSecondMessage()) {
            assertSecondMessageCameThroughClean(talk, second);
        }
        a.assertNoErrors();
        b.assertNoErrors();
    }

    // ---- the answering child's fate ----

    private static void assertFate(Fate fate, Stage stage, FakeSession a, FakeSession b) {
        String anchor = anchor(stage);
        String all = "a: " + trace(a) + "\nb: " + trace(b);
        switch (fate) {
            case GOES_ON -> {
                assertEquals(next(stage), FanOutFixture.following(a, anchor), all);
                assertSecondMessageReached(a, all);
            }
            case DONE_FOR_CONNECTION -> assertEquals(List.of("quit"), after(a, anchor), all);
            case DONE_FOR_MESSAGE -> assertAll(
                    () -> assertEquals(List.of(), after(a, anchor), all),
                    () -> assertTrue(b.message(0).endOfMessage(), all),
                    () -> assertSecondMessageReached(a, all));
            case RECIPIENT_REFUSED -> assertAll(
                    () -> assertEquals("rcpt " + SECOND, after(a, anchor).getFirst(), all),
                    () -> assertTrue(a.message(0).endOfMessage(), all),
                    () -> assertSecondMessageReached(a, all));
            case MESSAGE_ENDS -> assertAll(
                    () -> assertTrue(List.of("abort").containsAll(after(a, anchor)), all),
                    () -> assertTrue(b.message(0).aborted(), "the other child is sent ABORT\n" + all),
                    () -> assertFalse(b.message(0).endOfMessage(), all),
                    () -> assertSecondMessageReached(a, all));
            case BODY_SKIPPED -> assertAll(
                    () -> assertEquals("one\r\n", a.message(0).bodyText(), all),
                    () -> assertTrue(a.message(0).endOfMessage(), all),
                    () -> assertEquals("one\r\ntwo\r\n", b.message(0).bodyText(), all));
        }
    }

    private static void assertSecondMessageReached(FakeSession child, String all) {
        assertEquals(2, child.messages().size(), all);
        assertTrue(child.message(1).endOfMessage(), all);
    }

    private static void assertSecondMessageCameThroughClean(Talk talk, FakeSession child) {
        assertTrue(talk.reachedSecondMessage(), talk.toString());
        assertEquals(List.of("continue", "continue", "continue", "continue", "continue", "continue", "continue"),
                talk.secondMessage().stream().map(d -> Status.of(d).configName()).toList(), talk.toString());
        FakeSession.Message second = child.messages().getLast();
        assertEquals(List.of(THIRD), second.recipients(), trace(child).toString());
        assertTrue(second.endOfMessage(), trace(child).toString());
    }

    /** The tag of the event the child answers at. */
    private static String anchor(Stage stage) {
        return switch (stage) {
            case CONNECT -> "connect";
            case HELO -> "helo";
            case UNKNOWN -> "unknown";
            case MAIL -> "mail";
            case RCPT -> "rcpt " + FIRST;
            case DATA -> "data";
            case HEADER -> "header From";
            case EOH -> "eoh";
            case BODY -> "body";
            case EOM -> "eom";
        };
    }

    /** The tag of the event that follows it in the conversation. */
    private static String next(Stage stage) {
        return switch (stage) {
            case CONNECT -> "helo";
            case HELO -> "unknown";
            case UNKNOWN -> "mail <sender@example.org>";
            case MAIL -> "rcpt " + FIRST;
            case RCPT -> "rcpt " + SECOND;
            case DATA -> "header From";
            case HEADER -> "header Subject";
            case EOH, BODY -> "body";
            case EOM -> "abort";
        };
    }

    // ---- the child's script and the expected answers ----

    /** Answers {@code answer} to the first event of {@code stage} only; continue to the later ones. */
    private static FakeMilter.Responder firstOf(Stage stage, String answer) {
        FakeReply reply = reply(answer);
        return (session, command) -> session.received(stage).size() == 1 ? reply : null;
    }

    private static FakeReply reply(String name) {
        return switch (name) {
            case "continue" -> FakeReply.CONTINUE;
            case "accept" -> FakeReply.ACCEPT;
            case "reject" -> FakeReply.REJECT;
            case "tempfail" -> FakeReply.TEMPFAIL;
            case "discard" -> FakeReply.DISCARD;
            case "skip" -> FakeReply.SKIP;
            default -> FakeReply.replyCode(name);
        };
    }

    private static Response.Decision decision(String name) {
        return switch (name) {
            case "continue" -> new Response.Continue();
            case "accept" -> new Response.Accept();
            case "reject" -> new Response.Reject();
            case "tempfail" -> new Response.TempFail();
            case "discard" -> new Response.Discard();
            default -> new Response.ReplyCode(SmtpReply.parse(name));
        };
    }

    // ---- the MTA ----

    /** What the MTA got: the first answer at each stage, and the answers within the second message. */
    record Talk(Stage target, Map<Stage, Response.Decision> first, List<Response.Decision> secondMessage,
            boolean reachedSecondMessage) {
        Response.Decision atStage() {
            return first.get(target);
        }
    }

    /** Plays a connection with two messages as an MTA would, stopping where the manager's answers say so. */
    private static Talk talk(Mta mta, Stage target) {
        Map<Stage, Response.Decision> first = new EnumMap<>(Stage.class);
        mta.negotiate();
        boolean goesOn = connectionGoesOn(first, CONNECT, mta.connect())
                && connectionGoesOn(first, HELO, mta.helo())
                && connectionGoesOn(first, UNKNOWN, mta.unknown("XYZZY"));
        if (!goesOn) {
            mta.quit();
            return new Talk(target, first, List.of(), false);
        }
        firstMessage(mta, first);
        mta.abort();
        List<Response.Decision> second = new ArrayList<>();
        second.add(mta.mail("<sender@example.org>"));
        second.add(mta.rcpt(THIRD));
        second.add(mta.data());
        second.add(mta.header("Subject", "second"));
        second.add(mta.eoh());
        second.add(mta.body("three\r\n"));
        second.add(mta.eomDecision());
        mta.abort();
        mta.quit();
        return new Talk(target, first, second, true);
    }

    private static void firstMessage(Mta mta, Map<Stage, Response.Decision> first) {
        if (messageEnds(first, MAIL, mta.mail("<sender@example.org>"))
                || messageEnds(first, RCPT, mta.rcpt(FIRST))
                || messageEnds(first, RCPT, mta.rcpt(SECOND))
                || messageEnds(first, DATA, mta.data())
                || messageEnds(first, HEADER, mta.header("From", "sender@example.org"))
                || messageEnds(first, HEADER, mta.header("Subject", "first"))
                || messageEnds(first, EOH, mta.eoh())) {
            return;
        }
        Response.Decision chunk = mta.body("one\r\n");
        if (messageEnds(first, BODY, chunk)) {
            return;
        }
        if (!(chunk instanceof Response.Skip) && messageEnds(first, BODY, mta.body("two\r\n"))) {
            return;
        }
        first.put(EOM, mta.eomDecision());
    }

    private static boolean connectionGoesOn(Map<Stage, Response.Decision> first, Stage stage, Response.Decision d) {
        first.putIfAbsent(stage, d);
        return !endsTheConnection(stage, Status.of(d));
    }

    /** Whether an MTA stops talking to the milter for the connection after this answer (Postfix does so). */
    private static boolean endsTheConnection(Stage stage, Status status) {
        return switch (stage) {
            case CONNECT, HELO -> status != Status.CONTINUE;
            case UNKNOWN -> status == Status.ACCEPT;
            default -> false;
        };
    }

    private static boolean messageEnds(Map<Stage, Response.Decision> first, Stage stage, Response.Decision d) {
        first.putIfAbsent(stage, d);
        Status status = Status.of(d);
        if (stage == RCPT) {
            return status == Status.ACCEPT || status == Status.DISCARD;
        }
        return status != Status.CONTINUE && status != Status.SKIP;
    }
}
