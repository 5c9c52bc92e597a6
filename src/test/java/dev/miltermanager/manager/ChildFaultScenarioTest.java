package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import dev.miltermanager.protocol.ProtocolFlag;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A child that fails — a timeout at any phase, a close without reply at any stage, garbage, an edit it did not
 * negotiate — counts as its fallback status and is dropped for the session, while the other child carries on; with
 * no child left, the manager's own fallback answers. The MTA never waits much past a child's timeout.
 */
class ChildFaultScenarioTest {
    private static final Duration TIMEOUT = Duration.ofMillis(300);
    /** Generous: a timed-out child must not hold the MTA much longer than its timeout. */
    private static final long MAX_MILLIS = 2_500;

    /** Child 1 is scripted to fail, with short timeouts and this fallback; child 2 adds a header and is healthy. */
    private static FakeChain failingFirst(FakeMilter.Builder first, Status fallback) throws Exception {
        return FakeChain.builder()
                .child(first,
                        c -> c.allTimeouts(TIMEOUT).fallbackStatus(fallback))
                .child(FakeMilter.builder().edits(new Response.AddHeader("X-2", "2")))
                .start();
    }

    private static final List<List<Response>> SECOND_ONLY =
            List.of(List.of(new Response.AddHeader("X-2", "2"), new Response.Continue()));

    private static <T> T timed(Supplier<T> action, long atLeastMillis) {
        long start = System.nanoTime();
        T result = action.get();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis >= atLeastMillis && millis < MAX_MILLIS, "took " + millis + " ms");
        return result;
    }

    private static void finishMessage(FakeChain chain) {
        chain.headers("From", "alice@example.org", "Subject", "faults");
        chain.body("Hi\r\n");
    }

    /** After child 1 failed: a further message goes to child 2 only. */
    private static void assertDroppedForTheSession(FakeChain chain) {
        int mailsBefore = chain.child(0).commands(Command.MailFrom.class).size();
        chain.send(new Command.Abort());
        chain.nextMessage();
        finishMessage(chain);
        assertEquals(SECOND_ONLY, chain.endOfMessage());
        assertEquals(mailsBefore, chain.child(0).commands(Command.MailFrom.class).size());
        assertNotEquals(FakeSession.State.OPEN, chain.child(0).awaitEnd(FakeChain.WAIT));
    }

    // ---- timeouts ----

    @Test
    void connectionToANonAcceptingListenerTimesOutAndTheOtherChildCarriesOn() throws Exception {
        try (NonAcceptingListener dead = new NonAcceptingListener();
             FakeChain chain = FakeChain.builder()
                     .child(ChildConfig.builder("dead", dead.spec()).allTimeouts(TIMEOUT).build())
                     .child(FakeMilter.builder().edits(new Response.AddHeader("X-2", "2"))).start()) {
            Response.Negotiate agreed = timed(chain::negotiate, 250);
            assertTrue(Action.ADD_HEADERS.in(agreed.actions()));
            chain.greet(java.util.Map.of());
            chain.nextMessage();
            finishMessage(chain);
            assertEquals(SECOND_ONLY, chain.endOfMessage());
        }
    }

    @Test
    void unreachableChildWithAFinalFallbackMakesTheManagerAnswerItsOwnFallback() throws Exception {
        // the reference's behaviour (docs/manager.md, Negotiation): the other children are dropped too
        try (NonAcceptingListener dead = new NonAcceptingListener();
             FakeChain chain = FakeChain.builder()
                     .child(ChildConfig.builder("dead", dead.spec()).allTimeouts(TIMEOUT)
                             .fallbackStatus(Status.REJECT).build())
                     .child(FakeMilter.builder())
                     .config(c -> c.fallbackStatus(Status.TEMPORARY_FAILURE)).start()) {
            timed(chain::negotiate, 250);
            assertEquals(List.of(new Response.TempFail()),
                    chain.answer(new Command.Connect("c", Command.Family.INET, 1, "192.0.2.1")));
        }
    }

    @Test
    void childSilentAtNegotiationTimesOut() throws Exception {
        try (FakeChain chain = failingFirst(FakeMilter.builder().negotiation(FakeReply.SILENCE), Status.ACCEPT)) {
            timed(chain::negotiate, 250);
            chain.greet(java.util.Map.of());
            chain.nextMessage();
            finishMessage(chain);
            assertEquals(SECOND_ONLY, chain.endOfMessage());
        }
    }

    static Stream<Arguments> fallbacks() {
        return Stream.of(Arguments.of(Status.ACCEPT, new Response.Continue()),
                Arguments.of(Status.TEMPORARY_FAILURE, new Response.TempFail()),
                Arguments.of(Status.REJECT, new Response.Reject()),
                Arguments.of(Status.DISCARD, new Response.Discard()));
    }

    @ParameterizedTest
    @MethodSource("fallbacks")
    void readTimeoutAtMailCountsAsTheFallback(Status fallback, Response expected) throws Exception {
        try (FakeChain chain = failingFirst(FakeMilter.builder().reply(Stage.MAIL, FakeReply.SILENCE), fallback)) {
            chain.negotiate();
            chain.greet(java.util.Map.of());
            List<Response> answer = timed(() -> chain.answer(new Command.MailFrom("<alice@example.org>")), 250);
            assertEquals(List.of(expected), answer);
            if (fallback.isFinal()) {
                chain.child(1).await(s -> s.abortCount() == 1, FakeChain.WAIT, "ABORT to the healthy child");
            } else {
                chain.expectContinue(new Command.Recipient("<bob@example.net>"));
                chain.expectContinue(new Command.Data());
                finishMessage(chain);
                assertEquals(SECOND_ONLY, chain.endOfMessage());
            }
            assertDroppedForTheSession(chain);
        }
    }

    @Test
    void readTimeoutAtRcptRefusesOnlyThatRecipient() throws Exception {
        try (FakeChain chain = failingFirst(FakeMilter.builder().on(Stage.RCPT, "<slow@", FakeReply.SILENCE),
                Status.REJECT)) {
            chain.negotiate();
            chain.greet(java.util.Map.of());
            chain.expectContinue(new Command.MailFrom("<alice@example.org>"));
            assertEquals(List.of(new Response.Reject()),
                    timed(() -> chain.answer(new Command.Recipient("<slow@example.net>")), 250));
            chain.expectContinue(new Command.Recipient("<bob@example.net>"));
            chain.expectContinue(new Command.Data());
            finishMessage(chain);
            assertEquals(SECOND_ONLY, chain.endOfMessage());
            assertEquals(List.of("<slow@example.net>"), chain.child(0).recipients());
        }
    }

    @Test
    void readTimeoutOfTheInStepChildAtHeaderEndsTheMessageWithItsFallback() throws Exception {
        try (FakeChain chain = failingFirst(FakeMilter.builder().reply(Stage.HEADER, FakeReply.SILENCE),
                Status.TEMPORARY_FAILURE)) {
            chain.envelope();
            assertEquals(List.of(new Response.TempFail()),
                    timed(() -> chain.answer(new Command.Header("Subject", "x")), 250));
            chain.child(1).await(s -> s.abortCount() == 1, FakeChain.WAIT, "ABORT to the healthy child");
        }
    }

    @Test
    void readTimeoutOfAReplayedChildShowsAtEndOfMessage() throws Exception {
        try (FakeChain chain = FakeChain.builder()
                .child(FakeMilter.builder().edits(new Response.AddHeader("X-1", "1")))
                .child(FakeMilter.builder().reply(Stage.HEADER, FakeReply.SILENCE),
                        c -> c.allTimeouts(TIMEOUT).fallbackStatus(Status.TEMPORARY_FAILURE))
                .start()) {
            chain.envelope();
            finishMessage(chain);
            assertEquals(List.of(List.of(new Response.TempFail())), timed(chain::endOfMessage, 250));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"ACCEPT", "TEMPORARY_FAILURE"})
    void endOfMessageTimeoutWithoutProgressCountsAsTheFallback(Status fallback) throws Exception {
        try (FakeChain chain = failingFirst(FakeMilter.builder().edits(new Response.AddHeader("X-1", "1"))
                .reply(Stage.EOM, FakeReply.CONTINUE.after(Duration.ofSeconds(5))), fallback)) {
            chain.envelope();
            finishMessage(chain);
            List<List<Response>> eom = timed(chain::endOfMessage, 250);
            assertEquals(fallback == Status.ACCEPT ? SECOND_ONLY : List.of(List.of(new Response.TempFail())), eom);
            if (fallback == Status.ACCEPT) {
                assertEquals(List.of("From: alice@example.org", "Subject: faults"), chain.headersSeenBy(1),
                        "the timed-out child's edits are dropped");
                assertDroppedForTheSession(chain);
            }
        }
    }

    @Test
    void progressKeepsASlowEndOfMessageAlive() throws Exception {
        try (FakeChain chain = failingFirst(FakeMilter.builder().edits(new Response.AddHeader("X-1", "1"))
                .reply(Stage.EOM, FakeReply.CONTINUE.after(Duration.ofMillis(900)).progressEvery(Duration.ofMillis(100))),
                Status.TEMPORARY_FAILURE)) {
            chain.envelope();
            finishMessage(chain);
            List<List<Response>> eom = timed(chain::endOfMessage, 850);
            List<List<Response>> expected = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                expected.add(List.of(new Response.Progress()));
            }
            expected.add(List.of(new Response.AddHeader("X-1", "1"), new Response.AddHeader("X-2", "2"),
                    new Response.Continue()));
            assertEquals(expected, eom);
        }
    }

    @Test
    void writeTimeoutOfAChildThatStopsReadingCountsAsTheFallback(@TempDir Path spill) throws Exception {
        // the child answers no message event (NR_*), so the manager writes on without waiting, until the socket
        // buffers are full and a write blocks; the child's thread is stuck in its first header meanwhile
        CountDownLatch release = new CountDownLatch(1);
        try (FakeChain chain = FakeChain.builder()
                .child(FakeMilter.builder().protocol(ProtocolFlag.NR_HEADER, ProtocolFlag.NR_EOH, ProtocolFlag.NR_BODY)
                        .on(Stage.HEADER, (session, command) -> {
                            awaitQuietly(release);
                            return null;
                        }), c -> c.allTimeouts(TIMEOUT).fallbackStatus(Status.TEMPORARY_FAILURE))
                .child(FakeMilter.builder())
                .config(c -> c.temporaryDirectory(spill)).start()) {
            chain.envelope();
            chain.headers("Subject", "stuck");
            byte[] chunk = FakeChain.bytes(65535, 60);
            List<Response> answer = List.of(new Response.Continue());
            long slowest = 0;
            for (int i = 0; i < 1024 && answer.equals(List.of(new Response.Continue())); i++) {
                long start = System.nanoTime();
                answer = chain.answer(Command.Body.of(chunk));
                slowest = Math.max(slowest, (System.nanoTime() - start) / 1_000_000);
            }
            assertEquals(List.of(new Response.TempFail()), answer);
            assertTrue(slowest < MAX_MILLIS, "a body chunk took " + slowest + " ms");
            release.countDown();
        } finally {
            release.countDown();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- close without reply, at every stage ----

    static Stream<Arguments> stagesAndFallbacks() {
        List<Arguments> all = new ArrayList<>();
        for (Stage stage : Stage.values()) {
            all.add(Arguments.of(stage, Status.ACCEPT));
            all.add(Arguments.of(stage, Status.REJECT));
        }
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("stagesAndFallbacks")
    void childClosingWithoutReplyCountsAsItsFallback(Stage stage, Status fallback) throws Exception {
        try (FakeChain chain = failingFirst(FakeMilter.builder().reply(stage, FakeReply.CLOSE), fallback)) {
            chain.negotiate();
            List<Command> conversation = List.of(
                    new Command.Connect("client.example.org", Command.Family.INET, 41000, "192.0.2.10"),
                    new Command.Helo("client.example.org"), new Command.Unknown("HELP"),
                    new Command.MailFrom("<alice@example.org>"), new Command.Recipient("<bob@example.net>"),
                    new Command.Data(), new Command.Header("Subject", "closing"), new Command.EndOfHeaders(),
                    Command.Body.of("Hi\r\n".getBytes()), new Command.EndOfMessage());
            for (Command command : conversation) {
                List<List<Response>> calls = chain.send(command);
                if (Stage.of(command) != stage) {
                    if (command instanceof Command.EndOfMessage) {
                        assertEquals(SECOND_ONLY, calls);
                    } else {
                        assertEquals(List.of(FakeChain.CONTINUE), calls, command::toString);
                    }
                    continue;
                }
                if (fallback == Status.ACCEPT) {
                    assertEquals(stage == Stage.EOM ? SECOND_ONLY : List.of(FakeChain.CONTINUE), calls);
                    continue;
                }
                assertEquals(List.of(List.of(new Response.Reject())), calls, stage::toString);
                if (stage != Stage.RCPT && stage != Stage.UNKNOWN) {
                    return;
                }
            }
            assertEquals(FakeSession.State.FAKE_CLOSED, chain.child(0).awaitEnd(FakeChain.WAIT));
        }
    }

    // ---- protocol violations ----

    @Test
    void garbageInsteadOfAReplyCountsAsTheFallback() throws Exception {
        try (FakeChain chain = failingFirst(FakeMilter.builder().reply(Stage.RCPT, FakeReply.garbage()),
                Status.TEMPORARY_FAILURE)) {
            chain.negotiate();
            chain.greet(java.util.Map.of());
            chain.expectContinue(new Command.MailFrom("<alice@example.org>"));
            assertEquals(List.of(new Response.TempFail()), chain.answer(new Command.Recipient("<bob@example.net>")));
            chain.expectContinue(new Command.Recipient("<carol@example.net>"));
            chain.expectContinue(new Command.Data());
            finishMessage(chain);
            assertEquals(SECOND_ONLY, chain.endOfMessage());
        }
    }

    @Test
    void garbageAtEndOfMessageDropsThatChildsEdits() throws Exception {
        try (FakeChain chain = failingFirst(FakeMilter.builder().edits(new Response.AddHeader("X-1", "1"))
                .reply(Stage.EOM, FakeReply.garbage()),
                Status.ACCEPT)) {
            chain.envelope();
            finishMessage(chain);
            assertEquals(SECOND_ONLY, chain.endOfMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Status.class, names = {"ACCEPT", "REJECT"})
    void editTheChildDidNotNegotiateIsAViolation(Status fallback) throws Exception {
        try (FakeChain chain = failingFirst(FakeMilter.builder().actions(Action.ADD_HEADERS)
                .edits(new Response.AddHeader("X-1", "1"), new Response.ChangeFrom("<evil@example.org>")), fallback)) {
            chain.envelope();
            finishMessage(chain);
            assertEquals(fallback == Status.ACCEPT ? SECOND_ONLY : List.of(List.of(new Response.Reject())),
                    chain.endOfMessage());
            if (fallback == Status.ACCEPT) {
                assertEquals(List.of("From: alice@example.org", "Subject: faults"), chain.headersSeenBy(1));
            }
        }
    }

    @Test
    void editBeforeEndOfMessageIsAViolation() throws Exception {
        try (FakeChain chain = failingFirst(FakeMilter.builder().reply(Stage.HEADER,
                FakeReply.of(new Response.AddHeader("X-Early", "1"), new Response.Continue())), Status.REJECT)) {
            chain.envelope();
            assertEquals(List.of(new Response.Reject()), chain.answer(new Command.Header("Subject", "x")));
        }
    }

    // ---- no child left ----

    @Test
    void whenEveryChildIsGoneTheManagersFallbackAnswers() throws Exception {
        try (FakeChain chain = FakeChain.builder()
                .child(FakeMilter.builder().reply(Stage.EOM, FakeReply.CLOSE))
                .child(FakeMilter.builder().reply(Stage.EOM, FakeReply.CLOSE))
                .config(c -> c.fallbackStatus(Status.TEMPORARY_FAILURE)).start()) {
            chain.envelope();
            finishMessage(chain);
            assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage(), "both children count as accept");
            chain.send(new Command.Abort());
            assertEquals(List.of(new Response.TempFail()), chain.answer(new Command.MailFrom("<next@example.org>")));
        }
    }

    @Test
    void whenEveryChildIsGoneTheDefaultFallbackAccepts() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().reply(Stage.HELO, FakeReply.CLOSE))) {
            chain.negotiate();
            chain.expectContinue(new Command.Connect("c", Command.Family.INET, 1, "192.0.2.1"));
            assertEquals(List.of(new Response.Accept()), chain.answer(new Command.Helo("c")));
            assertEquals(List.of(new Response.Accept()), chain.answer(new Command.MailFrom("<a@example.org>")));
        }
    }
}
