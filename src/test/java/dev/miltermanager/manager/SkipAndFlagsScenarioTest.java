package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SKIP from a child at body, and children that asked not to get events ({@code NO_*}) or not to answer them
 * ({@code NR_*}), or that speak protocol version 2: each gets only what it asked for, and the MTA still gets an
 * answer to everything it sent (reference/milter-manager.md §1.5).
 */
class SkipAndFlagsScenarioTest {
    private static final byte[] BODY = FakeChain.bytes(300, 40);

    /** A whole message: headers, the body in three 100-byte chunks, end of message; returns its sink calls. */
    private static List<List<Response>> run(FakeChain chain) {
        chain.envelope();
        chain.headers("From", "alice@example.org", "Subject", "flags");
        chain.body(BODY, 100);
        return chain.endOfMessage();
    }

    private static FakeMilter.Builder skipping() {
        return FakeMilter.builder().reply(Stage.BODY, FakeReply.SKIP);
    }

    // ---- SKIP ----

    @Test
    void skipFromTheInStepChildStopsItsBodyWhileTheLaterChildGetsItAll() throws Exception {
        try (FakeChain chain = FakeChain.of(skipping(), FakeMilter.builder())) {
            assertEquals(List.of(FakeChain.CONTINUE), run(chain));
            assertEquals(List.of(100), chain.bodyChunksSeenBy(0));
            assertTrue(chain.childMessage(0).endOfMessage());
            assertEquals(List.of(300), chain.bodyChunksSeenBy(1));
        }
    }

    @Test
    void skipFromOneOfSeveralInStepChildrenLeavesTheOthersTheWholeBody() throws Exception {
        try (FakeChain chain = FakeChain.of(skipping().actions(0), FakeMilter.builder().actions(0),
                FakeMilter.builder())) {
            assertEquals(List.of(FakeChain.CONTINUE), run(chain));
            assertEquals(List.of(100), chain.bodyChunksSeenBy(0));
            assertEquals(List.of(100, 100, 100), chain.bodyChunksSeenBy(1));
            assertEquals(List.of(100, 100, 100), chain.bodyChunksSeenBy(2));
        }
    }

    @Test
    void skipFromAReplayedChildEndsItsReplayedBodyEarly() throws Exception {
        try (FakeChain chain = FakeChain.builder().config(c -> c.chunkSize(100)).child(FakeMilter.builder())
                .child(skipping()).child(FakeMilter.builder()).start()) {
            assertEquals(List.of(FakeChain.CONTINUE), run(chain));
            assertEquals(List.of(100), chain.bodyChunksSeenBy(1));
            assertTrue(chain.childMessage(1).endOfMessage());
            assertEquals(List.of(100, 100, 100), chain.bodyChunksSeenBy(2));
        }
    }

    @Test
    void skipFromTheOnlyChildStillContinuesEveryChunk() throws Exception {
        try (FakeChain chain = FakeChain.of(skipping().edits(new Response.AddHeader("X-Skipped", "yes")))) {
            assertEquals(List.of(List.of(new Response.AddHeader("X-Skipped", "yes"), new Response.Continue())),
                    run(chain));
            assertEquals(List.of(100), chain.bodyChunksSeenBy(0));
        }
    }

    @Test
    void skipDoesNotCarryOverToTheNextMessage() throws Exception {
        try (FakeChain chain = FakeChain.of(skipping(), FakeMilter.builder())) {
            run(chain);
            chain.send(new Command.Abort());
            chain.nextMessage();
            chain.headers("Subject", "two");
            chain.body(BODY, 100);
            chain.endOfMessage();
            assertEquals(List.of(100), chain.bodyChunksSeenBy(0));
            assertEquals(2, chain.child(0).messages().size());
        }
    }

    // ---- NO_* ----

    private static void assertOnlyWhatItAskedFor(FakeChain chain, int index) {
        chain.fake(index).assertNoViolations();
        chain.fake(index).assertNoErrors();
    }

    @Test
    void laterChildWithNoBodyGetsNoBody() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().edits(FakeChain.replaceBody("new\r\n")),
                FakeMilter.builder().protocol(ProtocolFlag.NO_BODY).edits(new Response.AddHeader("X-2", "2")))) {
            assertEquals(List.of(List.of(FakeChain.replaceBody("new\r\n"), new Response.AddHeader("X-2", "2"),
                    new Response.Continue())), run(chain));
            assertEquals(List.of(), chain.bodyChunksSeenBy(1));
            assertTrue(chain.childMessage(1).endOfMessage());
            assertOnlyWhatItAskedFor(chain, 1);
        }
    }

    @Test
    void inStepChildWithNoBodyLetsTheMtaContinue() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().protocol(ProtocolFlag.NO_BODY),
                FakeMilter.builder())) {
            assertEquals(List.of(FakeChain.CONTINUE), run(chain));
            assertEquals(List.of(), chain.bodyChunksSeenBy(0));
            assertEquals(List.of(300), chain.bodyChunksSeenBy(1));
            assertOnlyWhatItAskedFor(chain, 0);
        }
    }

    @Test
    void childrenWithNoHeadersGetEndOfHeadersAndBodyOnly() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().protocol(ProtocolFlag.NO_HEADERS)
                        .edits(new Response.AddHeader("X-1", "1")),
                FakeMilter.builder().protocol(ProtocolFlag.NO_HEADERS), FakeMilter.builder())) {
            assertEquals(List.of(List.of(new Response.AddHeader("X-1", "1"), new Response.Continue())), run(chain));
            assertEquals(List.of(), chain.headersSeenBy(0));
            assertEquals(List.of(), chain.headersSeenBy(1));
            assertEquals(List.of("From: alice@example.org", "Subject: flags", "X-1: 1"), chain.headersSeenBy(2));
            assertEquals(1, chain.child(1).commands(Command.EndOfHeaders.class).size());
            assertOnlyWhatItAskedFor(chain, 0);
            assertOnlyWhatItAskedFor(chain, 1);
        }
    }

    @Test
    void childrenWithNoEndOfHeadersOrNoDataDoNotGetThem() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().protocol(ProtocolFlag.NO_EOH, ProtocolFlag.NO_DATA),
                FakeMilter.builder().protocol(ProtocolFlag.NO_EOH), FakeMilter.builder())) {
            assertEquals(List.of(FakeChain.CONTINUE), run(chain));
            assertEquals(List.of(), chain.child(0).commands(Command.Data.class));
            assertEquals(List.of(), chain.child(0).commands(Command.EndOfHeaders.class));
            assertEquals(List.of(), chain.child(1).commands(Command.EndOfHeaders.class));
            assertEquals(2, chain.headersSeenBy(1).size());
            assertOnlyWhatItAskedFor(chain, 0);
            assertOnlyWhatItAskedFor(chain, 1);
        }
    }

    @Test
    void childWithNoEnvelopeEventsStillGetsTheMessage() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().protocol(ProtocolFlag.NO_CONNECT,
                ProtocolFlag.NO_HELO, ProtocolFlag.NO_MAIL, ProtocolFlag.NO_RCPT), FakeMilter.builder())) {
            assertEquals(List.of(FakeChain.CONTINUE), run(chain));
            FakeSession first = chain.child(0);
            assertEquals(List.of(), first.commands(Command.Connect.class));
            assertEquals(List.of(), first.commands(Command.MailFrom.class));
            assertEquals(List.of(), first.recipients());
            assertEquals(2, chain.headersSeenBy(0).size());
            assertOnlyWhatItAskedFor(chain, 0);
        }
    }

    @Test
    void theOnlyChildAskingForNoEventAtAllMakesTheManagerAskTheMtaForNoReplies() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().protocol(ProtocolFlag.ALL_NO_EVENTS)
                .edits(new Response.AddHeader("X-Blind", "1")))) {
            Response.Negotiate agreed = chain.negotiate();
            assertEquals(ProtocolFlag.ALL_NO_REPLIES, agreed.protocol() & ProtocolFlag.ALL_NO_REPLIES,
                    () -> ProtocolFlag.describe(agreed.protocol()));
            assertEquals(0, agreed.protocol() & ProtocolFlag.ALL_NO_EVENTS, "the manager itself needs every event");
            for (Command event : List.of(new Command.Connect("c", Command.Family.INET, 1, "192.0.2.1"),
                    new Command.Helo("c"), new Command.MailFrom("<a@x>"), new Command.Recipient("<b@x>"),
                    new Command.Data(), new Command.Unknown("HELP"), new Command.Header("Subject", "s"),
                    new Command.EndOfHeaders(), Command.Body.of(BODY))) {
                assertEquals(List.of(), chain.send(event), event::toString);
            }
            assertEquals(List.of(List.of(new Response.AddHeader("X-Blind", "1"), new Response.Continue())),
                    chain.endOfMessage());
            List<Class<?>> got = chain.child(0).commands().stream().<Class<?>>map(Object::getClass).toList();
            assertEquals(List.of(Command.Negotiate.class, Command.EndOfMessage.class), got);
            assertOnlyWhatItAskedFor(chain, 0);
        }
    }

    // ---- NR_* ----

    @Test
    void childNotAnsweringSomeEventsIsNotWaitedFor() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().protocol(ProtocolFlag.NR_HEADER,
                ProtocolFlag.NR_BODY, ProtocolFlag.NR_EOH, ProtocolFlag.NR_RCPT), FakeMilter.builder())) {
            Response.Negotiate agreed = chain.negotiate();
            assertEquals(0, agreed.protocol() & ProtocolFlag.ALL_NO_REPLIES, agreed::toString);
            chain.greet(Map.of());
            chain.nextMessage();
            chain.headers("From", "alice@example.org", "Subject", "flags");
            chain.body(BODY, 100);
            assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage());
            assertEquals(2, chain.headersSeenBy(0).size());
            assertEquals(List.of(100, 100, 100), chain.bodyChunksSeenBy(0));
            assertOnlyWhatItAskedFor(chain, 0);
        }
    }

    @Test
    void whenNoChildAnswersHeadersNeitherDoesTheManager() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().protocol(ProtocolFlag.NR_HEADER),
                FakeMilter.builder().protocol(ProtocolFlag.NR_HEADER))) {
            Response.Negotiate agreed = chain.negotiate();
            assertTrue(ProtocolFlag.NR_HEADER.in(agreed.protocol()), agreed::toString);
            chain.greet(Map.of());
            chain.nextMessage();
            assertEquals(List.of(), chain.send(new Command.Header("Subject", "quiet")));
            assertEquals(List.of(), chain.send(new Command.Header("From", "alice@example.org")));
            chain.expectContinue(new Command.EndOfHeaders());
            assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage());
            assertEquals(List.of("Subject: quiet", "From: alice@example.org"), chain.headersSeenBy(1));
        }
    }

    // ---- protocol version 2 ----

    @Test
    void version2ChildGetsNoDataNorUnknownAndTheMtaIsStillAnswered() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().version(2)
                .edits(new Response.AddHeader("X-Old", "2")), FakeMilter.builder())) {
            chain.envelope();
            chain.expectContinue(new Command.Unknown("HELP"));
            chain.headers("Subject", "old");
            chain.body("Old milter\r\n");
            assertEquals(List.of(List.of(new Response.AddHeader("X-Old", "2"), new Response.Continue())),
                    chain.endOfMessage());
            assertEquals(List.of(), chain.child(0).commands(Command.Data.class));
            assertEquals(List.of(), chain.child(0).commands(Command.Unknown.class));
            assertEquals(List.of("Subject: old"), chain.headersSeenBy(0));
            assertEquals(List.of("Subject: old", "X-Old: 2"), chain.headersSeenBy(1));
            assertEquals(1, chain.child(1).commands(Command.Unknown.class).size());
            assertOnlyWhatItAskedFor(chain, 0);
        }
    }

    @Test
    void onlyVersion2ChildrenMeanNoReplyToDataForTheMta() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().version(2), FakeMilter.builder().version(2))) {
            Response.Negotiate agreed = chain.negotiate();
            assertTrue(ProtocolFlag.NR_DATA.in(agreed.protocol()) && ProtocolFlag.NR_UNKNOWN.in(agreed.protocol()),
                    () -> ProtocolFlag.describe(agreed.protocol()));
            chain.greet(Map.of());
            chain.expectContinue(new Command.MailFrom("<alice@example.org>"));
            chain.expectContinue(new Command.Recipient("<bob@example.net>"));
            assertEquals(List.of(), chain.send(new Command.Data()));
            chain.headers("Subject", "old");
            assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage());
            assertOnlyWhatItAskedFor(chain, 0);
            assertOnlyWhatItAskedFor(chain, 1);
        }
    }
}
