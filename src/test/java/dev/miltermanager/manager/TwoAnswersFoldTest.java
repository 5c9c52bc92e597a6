package dev.miltermanager.manager;

import static dev.miltermanager.manager.FanOutFixture.after;
import static dev.miltermanager.manager.FanOutFixture.child;
import static dev.miltermanager.manager.FanOutFixture.ended;
import static dev.miltermanager.manager.FanOutFixture.trace;
import static dev.miltermanager.testing.FakeReply.ACCEPT;
import static dev.miltermanager.testing.FakeReply.CONTINUE;
import static dev.miltermanager.testing.FakeReply.DISCARD;
import static dev.miltermanager.testing.FakeReply.REJECT;
import static dev.miltermanager.testing.FakeReply.TEMPFAIL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Two or more children answering the same event differently: the status lattice
 * ({@code discard > reject > tempfail > continue > skip > accept}, accept only when every child accepts) and what
 * each child gets next. Also the message stages when the second child is replayed the message at end of message
 * because the first may modify it.
 */
class TwoAnswersFoldTest {
    private static final String SPAM = "<spam@example.net>";
    private static final String OK = "<ok@example.net>";

    @AutoClose
    final FanOutFixture fx = new FanOutFixture();

    private Mta mta(FakeMilter a, FakeMilter b) {
        Mta mta = fx.inProcess(fx.manager(child("a", a).build(), child("b", b).build()));
        mta.negotiate();
        mta.connect();
        mta.helo();
        return mta;
    }

    @Test
    void rejectAndAcceptAtRcptRefuseTheRecipientAndTheAcceptingChildLeavesTheMessage() throws Exception {
        FakeMilter a = fx.fake(s -> s.on(Stage.RCPT, SPAM, REJECT));
        FakeMilter b = fx.fake(s -> s.on(Stage.RCPT, SPAM, ACCEPT));
        Mta mta = mta(a, b);
        mta.mail("<sender@example.org>");

        assertEquals(new Response.Reject(), mta.rcpt(SPAM));
        assertEquals(new Response.Continue(), mta.rcpt(OK));
        assertEquals(new Response.Continue(), mta.data());
        mta.abort();
        assertEquals(new Response.Continue(), mta.mail("<next@example.org>"));
        mta.quit();

        FakeSession first = ended(a.takeSession(FanOutFixture.WAIT));
        FakeSession second = ended(b.takeSession(FanOutFixture.WAIT));
        assertEquals(List.of("rcpt " + OK, "data", "abort"), after(first, "rcpt " + SPAM));
        assertEquals(List.of(), after(second, "rcpt " + SPAM), "the accepting child is done with the message");
        assertEquals(2, second.messages().size(), "and back at the next MAIL");
    }

    @Test
    void rejectAndDiscardAtRcptDiscardTheMessageAndBothChildrenAreAborted() throws Exception {
        FakeMilter a = fx.fake(s -> s.on(Stage.RCPT, SPAM, REJECT));
        FakeMilter b = fx.fake(s -> s.on(Stage.RCPT, SPAM, DISCARD));
        Mta mta = mta(a, b);
        mta.mail("<sender@example.org>");

        assertEquals(new Response.Discard(), mta.rcpt(SPAM));
        mta.abort();
        mta.quit();

        assertEquals(List.of("abort", "quit"), after(ended(a.takeSession(FanOutFixture.WAIT)), "rcpt " + SPAM));
        assertEquals(List.of("abort", "quit"), after(ended(b.takeSession(FanOutFixture.WAIT)), "rcpt " + SPAM));
    }

    @Test
    void rejectAndTempfailAtRcptRejectTheRecipient() throws Exception {
        FakeMilter a = fx.fake(s -> s.on(Stage.RCPT, SPAM, TEMPFAIL));
        FakeMilter b = fx.fake(s -> s.on(Stage.RCPT, SPAM, REJECT));
        Mta mta = mta(a, b);
        mta.mail("<sender@example.org>");

        assertEquals(new Response.Reject(), mta.rcpt(SPAM));
        assertEquals(new Response.Continue(), mta.rcpt(OK), "both children stay in the message");
    }

    @Test
    void rejectAndAcceptAtMailRejectTheMessage() throws Exception {
        FakeMilter a = fx.fake(s -> s.reply(Stage.MAIL, REJECT));
        FakeMilter b = fx.fake(s -> s.reply(Stage.MAIL, ACCEPT));
        Mta mta = mta(a, b);

        assertEquals(new Response.Reject(), mta.mail("<sender@example.org>"));
        mta.abort();
        mta.quit();
        assertEquals(List.of("quit"), after(ended(a.takeSession(FanOutFixture.WAIT)), "mail"));
        assertEquals(List.of("quit"), after(ended(b.takeSession(FanOutFixture.WAIT)), "mail"));
    }

    @Test
    void rejectAndDiscardAtMailDiscardTheMessage() throws Exception {
        FakeMilter a = fx.fake(s -> s.reply(Stage.MAIL, REJECT));
        FakeMilter b = fx.fake(s -> s.reply(Stage.MAIL, DISCARD));

        assertEquals(new Response.Discard(), mta(a, b).mail("<sender@example.org>"));
    }

    @Test
    void everyChildAcceptingAtMailAcceptsTheMessage() throws Exception {
        FakeMilter a = fx.fake(s -> s.reply(Stage.MAIL, ACCEPT));
        FakeMilter b = fx.fake(s -> s.reply(Stage.MAIL, ACCEPT));

        assertEquals(new Response.Accept(), mta(a, b).mail("<sender@example.org>"));
    }

    @Test
    void everyChildAcceptingAtRcptAcceptsTheMessage() throws Exception {
        FakeMilter a = fx.fake(s -> s.reply(Stage.RCPT, ACCEPT));
        FakeMilter b = fx.fake(s -> s.reply(Stage.RCPT, ACCEPT));
        Mta mta = mta(a, b);
        mta.mail("<sender@example.org>");

        assertEquals(new Response.Accept(), mta.rcpt(OK));
    }

    @Test
    void acceptsOneAfterTheOtherAcceptTheMessageOnlyWhenTheLastChildAccepts() throws Exception {
        FakeMilter a = fx.fake(s -> s.reply(Stage.MAIL, ACCEPT));
        FakeMilter b = fx.fake(s -> s.reply(Stage.RCPT, ACCEPT));
        Mta mta = mta(a, b);

        assertEquals(new Response.Continue(), mta.mail("<sender@example.org>"));
        assertEquals(new Response.Accept(), mta.rcpt(OK));
    }

    /**
     * The lattice as a property: random answers of two to four children at MAIL, RCPT or DATA. The seed is printed;
     * {@code -Dproperty.seed=0x…} replays it.
     */
    @Test
    void theStrongestAnswerWinsAndAcceptOnlyWhenAllAccept() throws Exception {
        List<AtomicReference<FakeReply>> answers = new ArrayList<>();
        List<ChildConfig> children = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            AtomicReference<FakeReply> answer = new AtomicReference<>(CONTINUE);
            answers.add(answer);
            FakeMilter.Responder scripted = (session, command) -> answer.get();
            FakeMilter fake = fx.fake(s -> s.on(Stage.MAIL, scripted).on(Stage.RCPT, scripted)
                    .on(Stage.DATA, scripted));
            children.add(child("c" + i, fake).build());
        }
        List<Status> statuses = List.of(Status.ACCEPT, Status.CONTINUE, Status.TEMPORARY_FAILURE, Status.REJECT,
                Status.DISCARD);
        long seed = seed();
        System.out.printf("theStrongestAnswerWinsAndAcceptOnlyWhenAllAccept: seed 0x%016x%n", seed);
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 12; round++) {
            int n = 2 + random.nextInt(3);
            Stage stage = List.of(Stage.MAIL, Stage.RCPT, Stage.DATA).get(random.nextInt(3));
            List<Status> chosen = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                chosen.add(statuses.get(random.nextInt(statuses.size())));
            }
            Status expected = chosen.stream().reduce(Status.ACCEPT, Status::fold);
            try (Mta mta = fx.inProcess(fx.manager(children.subList(0, n).toArray(ChildConfig[]::new)))) {
                answers.forEach(a -> a.set(CONTINUE));
                mta.negotiate();
                mta.connect();
                mta.helo();
                if (stage != Stage.MAIL) {
                    mta.mail("<sender@example.org>");
                }
                if (stage == Stage.DATA) {
                    mta.rcpt(OK);
                }
                for (int i = 0; i < n; i++) {
                    answers.get(i).set(reply(chosen.get(i)));
                }
                Response.Decision got = switch (stage) {
                    case MAIL -> mta.mail("<sender@example.org>");
                    case RCPT -> mta.rcpt(OK);
                    default -> mta.data();
                };
                assertEquals(expected, Status.of(got), String.format("seed 0x%016x, round %d: %s at %s", seed, round,
                        chosen, stage));
            }
        }
    }

    private static long seed() {
        String replay = System.getProperty("property.seed");
        return replay != null ? Long.parseUnsignedLong(replay.strip().replaceFirst("^0[xX]", ""), 16)
                : new SplittableRandom().nextLong();
    }

    private static FakeReply reply(Status status) {
        return switch (status) {
            case ACCEPT -> ACCEPT;
            case CONTINUE -> CONTINUE;
            case TEMPORARY_FAILURE -> TEMPFAIL;
            case REJECT -> REJECT;
            case DISCARD -> DISCARD;
            case SKIP -> throw new IllegalArgumentException("skip only answers a body chunk");
        };
    }

    // ---- message stages with a replayed second child ----

    /** The first child may add headers, so the second is replayed the message at end of message. */
    private Mta inMessageWithReplay(FakeMilter a, FakeMilter b) {
        Mta mta = mta(a, b);
        mta.mail("<sender@example.org>");
        mta.rcpt(OK);
        mta.data();
        return mta;
    }

    @Test
    void aRejectByTheFirstChildAtAHeaderAbortsTheReplayedChildBeforeItSawAnyHeader() throws Exception {
        FakeMilter a = fx.fake(s -> s.actions(Action.ADD_HEADERS).on(Stage.HEADER, "Subject:", REJECT));
        FakeMilter b = fx.fake(s -> s.actions(Action.ADD_HEADERS));
        Mta mta = inMessageWithReplay(a, b);

        assertEquals(new Response.Continue(), mta.header("From", "sender@example.org"));
        assertEquals(new Response.Reject(), mta.header("Subject", "spam"));
        mta.abort();
        mta.quit();
        assertEquals(List.of("abort", "quit"), after(ended(b.takeSession(FanOutFixture.WAIT)), "data"));
    }

    @Test
    void aRejectByTheReplayedChildAtAHeaderIsTheVerdictAtEndOfMessage() throws Exception {
        FakeMilter a = fx.fake(s -> s.actions(Action.ADD_HEADERS));
        FakeMilter b = fx.fake(s -> s.actions(Action.ADD_HEADERS).on(Stage.HEADER, "Subject:", REJECT));
        Mta mta = inMessageWithReplay(a, b);

        assertEquals(new Response.Continue(), mta.header("Subject", "spam"));
        assertEquals(new Response.Continue(), mta.eoh());
        assertEquals(new Response.Continue(), mta.body("text\r\n"));
        assertEquals(List.of(new Response.Reject()), mta.eom());
        mta.abort();
        mta.quit();
        assertEquals(List.of("eoh", "body", "eom", "abort", "quit"), after(ended(a.takeSession(FanOutFixture.WAIT)),
                "header Subject"));
        assertEquals(List.of("abort", "quit"), after(ended(b.takeSession(FanOutFixture.WAIT)), "header Subject"));
    }

    @Test
    void aFirstChildAcceptingAtAHeaderLeavesTheMessageToTheReplayedChild() throws Exception {
        FakeMilter a = fx.fake(s -> s.actions(Action.ADD_HEADERS).on(Stage.HEADER, "From:", ACCEPT));
        FakeMilter b = fx.fake(s -> s.actions(Action.ADD_HEADERS).reply(Stage.EOM, CONTINUE));
        Mta mta = inMessageWithReplay(a, b);

        assertEquals(new Response.Continue(), mta.header("From", "sender@example.org"));
        assertEquals(new Response.Continue(), mta.header("Subject", "hello"));
        assertEquals(new Response.Continue(), mta.eoh());
        assertEquals(new Response.Continue(), mta.body("text\r\n"));
        assertEquals(List.of(new Response.Continue()), mta.eom());
        mta.abort();
        mta.quit();
        FakeSession first = ended(a.takeSession(FanOutFixture.WAIT));
        FakeSession second = ended(b.takeSession(FanOutFixture.WAIT));
        assertEquals(List.of("quit"), after(first, "header From"));
        assertEquals(List.of("header From", "header Subject", "eoh", "body", "eom", "abort", "quit"),
                after(second, "data"), trace(second).toString());
        assertTrue(second.message(0).endOfMessage());
    }
}
