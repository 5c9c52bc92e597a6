package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Children that cannot modify the message are fed in step with the MTA, in parallel, but their verdicts still count
 * in child order, as in the sequential chain: a later child's early reject does not overtake an earlier child that
 * is still reading the message (found by {@link InStepEquivalencePropertyTest}).
 */
class InStepOrderScenarioTest {

    /** A child that negotiates no modification action, so it joins the in-step group. */
    private static FakeMilter.Builder reading() {
        return FakeMilter.builder().actions(0);
    }

    private static void start(FakeChain chain) {
        chain.envelope();
    }

    @Test
    void laterChildsRejectAtHeaderWaitsForTheEarlierChildsVerdictAtEndOfMessage() throws Exception {
        try (FakeChain chain = FakeChain.of(reading().reply(Stage.EOM, FakeReply.TEMPFAIL),
                reading().reply(Stage.HEADER, FakeReply.REJECT))) {
            start(chain);
            chain.headers("Subject", "one", "From", "alice@example.org");
            chain.body("Hi\r\n");
            assertEquals(List.of(List.of(new Response.TempFail())), chain.endOfMessage());
            assertEquals(List.of("Subject: one"), chain.headersSeenBy(1), "fed no more after its reject");
        }
    }

    @Test
    void finalAnswersToTheSameEventGoToTheFirstChildNotTheStrongestStatus() throws Exception {
        try (FakeChain chain = FakeChain.of(reading().reply(Stage.EOH, FakeReply.replyCode("451 4.7.1 first")),
                reading().reply(Stage.EOH, FakeReply.DISCARD))) {
            start(chain);
            chain.expectContinue(new Command.Header("Subject", "s"));
            assertEquals(List.of(new Response.ReplyCode(SmtpReply.parse("451 4.7.1 first"))),
                    chain.answer(new Command.EndOfHeaders()));
        }
    }

    @Test
    void heldRejectEndsTheMessageAtEndOfMessageWhenTheEarlierChildContinues() throws Exception {
        try (FakeChain chain = FakeChain.of(reading(), reading().reply(Stage.HEADER,
                FakeReply.replyCode("550 5.7.1 second")), FakeMilter.builder().edits(new Response.AddHeader("X", "3")))) {
            start(chain);
            chain.headers("Subject", "s");
            chain.body("Hi\r\n");
            assertEquals(List.of(List.of(new Response.ReplyCode(SmtpReply.parse("550 5.7.1 second")))),
                    chain.endOfMessage());
            assertFalse(chain.childMessage(2).endOfMessage(), "the third child is not reached");
            chain.child(1).await(s -> s.abortCount() == 1, FakeChain.WAIT, "ABORT to the held child");
        }
    }

    @Test
    void laterChildsRejectIsAnsweredAtOnceWhenNoEarlierChildIsLeft() throws Exception {
        try (FakeChain chain = FakeChain.of(reading().on(Stage.HEADER, "Subject:", FakeReply.ACCEPT),
                reading().on(Stage.HEADER, "From:", FakeReply.REJECT), FakeMilter.builder())) {
            start(chain);
            chain.expectContinue(new Command.Header("Subject", "s"));
            assertEquals(List.of(new Response.Reject()), chain.answer(new Command.Header("From", "alice@example.org")));
        }
    }

    @Test
    void heldRejectIsAnsweredAsSoonAsTheEarlierChildAccepts() throws Exception {
        try (FakeChain chain = FakeChain.of(reading().reply(Stage.EOH, FakeReply.ACCEPT),
                reading().reply(Stage.HEADER, FakeReply.REJECT))) {
            start(chain);
            chain.expectContinue(new Command.Header("Subject", "s"));
            assertEquals(List.of(new Response.Reject()), chain.answer(new Command.EndOfHeaders()));
        }
    }

    @Test
    void laterChildFailingInStepCountsItsFallbackInItsTurn() throws Exception {
        try (FakeChain chain = FakeChain.builder()
                .child(reading())
                .child(reading().reply(Stage.BODY, FakeReply.CLOSE), c -> c.fallbackStatus(Status.REJECT))
                .start()) {
            start(chain);
            chain.headers("Subject", "s");
            chain.body("Hi\r\n");
            assertEquals(List.of(List.of(new Response.Reject())), chain.endOfMessage());
        }
    }

    @Test
    void firstChildsRejectStillEndsTheMessageAtOnce() throws Exception {
        try (FakeChain chain = FakeChain.of(reading().reply(Stage.HEADER, FakeReply.REJECT), reading())) {
            start(chain);
            assertEquals(List.of(new Response.Reject()), chain.answer(new Command.Header("Subject", "s")));
            chain.child(1).await(s -> s.abortCount() == 1, FakeChain.WAIT, "ABORT to the other child");
        }
    }

    @Test
    void heldVerdictDoesNotCarryOverToTheNextMessage() throws Exception {
        try (FakeChain chain = FakeChain.of(reading(), reading().on(Stage.HEADER, (session, command) ->
                session.messages().size() == 1 ? FakeReply.REJECT : null))) {
            start(chain);
            chain.headers("Subject", "first");
            assertEquals(List.of(List.of(new Response.Reject())), chain.endOfMessage());
            chain.send(new Command.Abort());
            chain.nextMessage();
            chain.headers("Subject", "second");
            assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage());
        }
    }
}
