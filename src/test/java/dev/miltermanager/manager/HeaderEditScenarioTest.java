package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.miltermanager.protocol.Response;
import dev.miltermanager.testing.FakeMilter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Header edits through the manager: each kind alone and combined, by the first and by later children. The MTA gets
 * the minimal diff with the verdict in one write, and each later child is replayed the headers as the earlier
 * children left them (design.md §3, "Edits at EOM").
 */
class HeaderEditScenarioTest {
    private static final List<String> ORIGINAL = List.of("From: alice@example.org", "To: bob@example.net",
            "Subject: hello");

    /** Runs one message with the standard headers through the chain; returns the sink calls of end of message. */
    private static List<List<Response>> run(FakeChain chain, String... headers) {
        chain.envelope();
        chain.headers(headers.length > 0 ? headers
                : new String[] {"From", "alice@example.org", "To", "bob@example.net", "Subject", "hello"});
        chain.body("Hello\r\n");
        return chain.endOfMessage();
    }

    private static FakeMilter.Builder editing(Response.Modification... edits) {
        return FakeMilter.builder().edits(edits);
    }

    private static List<List<Response>> oneWrite(Response... responses) {
        return List.of(List.of(responses));
    }

    @Test
    void headerAddedByFirstChildReachesMtaAndIsReplayedToSecondChild() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.AddHeader("X-First", "1")), FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.AddHeader("X-First", "1"), new Response.Continue()), run(chain));
            assertEquals(ORIGINAL, chain.headersSeenBy(0));
            assertEquals(List.of("From: alice@example.org", "To: bob@example.net", "Subject: hello", "X-First: 1"),
                    chain.headersSeenBy(1));
        }
    }

    @Test
    void headersAddedByBothChildrenArriveInChildOrder() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.AddHeader("X-First", "1")),
                editing(new Response.AddHeader("X-Second", "2")), FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.AddHeader("X-First", "1"), new Response.AddHeader("X-Second", "2"),
                    new Response.Continue()), run(chain));
            assertEquals(List.of("From: alice@example.org", "To: bob@example.net", "Subject: hello", "X-First: 1",
                    "X-Second: 2"), chain.headersSeenBy(2));
        }
    }

    @Test
    void headerAddedOnlyByLaterChildReachesMta() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder(), editing(new Response.AddHeader("X-Second", "2")))) {
            assertEquals(oneWrite(new Response.AddHeader("X-Second", "2"), new Response.Continue()), run(chain));
            assertEquals(ORIGINAL, chain.headersSeenBy(1));
        }
    }

    @Test
    void insertedHeaderKeepsItsIndexForMtaAndLaterChild() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.InsertHeader(1, "X-Ins", "v")),
                FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.InsertHeader(1, "X-Ins", "v"), new Response.Continue()), run(chain));
            assertEquals(List.of("From: alice@example.org", "X-Ins: v", "To: bob@example.net", "Subject: hello"),
                    chain.headersSeenBy(1));
        }
    }

    @Test
    void headerInsertedAtTopWithoutPostfixGoesToIndexZero() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.InsertHeader(0, "X-Top", "v")),
                FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.InsertHeader(0, "X-Top", "v"), new Response.Continue()), run(chain));
            assertEquals("X-Top: v", chain.headersSeenBy(1).getFirst());
        }
    }

    @Test
    void insertPastTheEndIsAnAppend() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.InsertHeader(99, "X-Late", "v")),
                FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.AddHeader("X-Late", "v"), new Response.Continue()), run(chain));
            assertEquals("X-Late: v", chain.headersSeenBy(1).getLast());
        }
    }

    @Test
    void changeHeaderFindsTheNameIgnoringCase() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.ChangeHeader(1, "SUBJECT", "changed")),
                FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.ChangeHeader(1, "SUBJECT", "changed"), new Response.Continue()),
                    run(chain));
            assertEquals(List.of("From: alice@example.org", "To: bob@example.net", "SUBJECT: changed"),
                    chain.headersSeenBy(1));
        }
    }

    @Test
    void changeOfSecondDuplicateTouchesOnlyThatOne() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.ChangeHeader(2, "X-Dup", "B")),
                FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.ChangeHeader(2, "X-Dup", "B"), new Response.Continue()),
                    run(chain, "X-Dup", "a", "Subject", "s", "x-dup", "b", "X-Dup", "c"));
            assertEquals(List.of("X-Dup: a", "Subject: s", "X-Dup: B", "X-Dup: c"), chain.headersSeenBy(1));
        }
    }

    @Test
    void changePastTheCountAddsTheHeader() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.ChangeHeader(5, "X-Dup", "new")),
                FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.AddHeader("X-Dup", "new"), new Response.Continue()),
                    run(chain, "X-Dup", "a", "X-Dup", "b"));
            assertEquals(List.of("X-Dup: a", "X-Dup: b", "X-Dup: new"), chain.headersSeenBy(1));
        }
    }

    @Test
    void deletePastTheCountChangesNothing() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.ChangeHeader(3, "Subject", "")),
                FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.Continue()), run(chain));
            assertEquals(ORIGINAL, chain.headersSeenBy(1));
        }
    }

    @Test
    void changeIndexZeroCountsAsOne() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.ChangeHeader(0, "Subject", "zero")))) {
            assertEquals(oneWrite(new Response.ChangeHeader(1, "Subject", "zero"), new Response.Continue()),
                    run(chain));
        }
    }

    @Test
    void deletedHeaderIsHiddenFromLaterChildren() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.ChangeHeader(1, "to", "")), FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.ChangeHeader(1, "To", ""), new Response.Continue()), run(chain));
            assertEquals(List.of("From: alice@example.org", "Subject: hello"), chain.headersSeenBy(1));
        }
    }

    @Test
    void deletingTwoDuplicatesSendsDeletesLastToFirst() throws Exception {
        // the child deletes the 1st, then (counting anew) the 2nd, which was the original 3rd
        try (FakeChain chain = FakeChain.of(editing(new Response.ChangeHeader(1, "X-Dup", ""),
                new Response.ChangeHeader(2, "X-Dup", "")), FakeMilter.builder())) {
            List<List<Response>> eom = run(chain, "X-Dup", "a", "X-Dup", "b", "X-Dup", "c");
            assertEquals(oneWrite(new Response.ChangeHeader(3, "X-Dup", ""), new Response.ChangeHeader(1, "X-Dup", ""),
                    new Response.Continue()), eom);
            assertEquals(List.of("X-Dup: b"), chain.headersSeenBy(1));
            assertEquals(List.of("X-Dup: b"), MtaHeaders.apply(List.of("X-Dup: a", "X-Dup: b", "X-Dup: c"),
                    eom.getFirst()));
        }
    }

    @Test
    void laterChildsChangeOfAnEarlierChangeGivesOneChange() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.ChangeHeader(1, "Subject", "first")),
                editing(new Response.ChangeHeader(1, "Subject", "second")), FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.ChangeHeader(1, "Subject", "second"), new Response.Continue()),
                    run(chain));
            assertEquals("Subject: first", chain.headersSeenBy(1).getLast());
            assertEquals("Subject: second", chain.headersSeenBy(2).getLast());
        }
    }

    @Test
    void headerAddedByOneChildAndDeletedByTheNextLeavesNoEdit() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.AddHeader("X-Tmp", "1")),
                editing(new Response.ChangeHeader(1, "X-Tmp", "")), FakeMilter.builder())) {
            assertEquals(oneWrite(new Response.Continue()), run(chain));
            assertEquals("X-Tmp: 1", chain.headersSeenBy(1).getLast());
            assertEquals(ORIGINAL, chain.headersSeenBy(2));
        }
    }

    @Test
    void changeBackToTheOriginalValueLeavesNoEdit() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.ChangeHeader(1, "Subject", "other")),
                editing(new Response.ChangeHeader(1, "Subject", "hello")))) {
            assertEquals(oneWrite(new Response.Continue()), run(chain));
        }
    }

    @Test
    void laterChildIndexesCountTheListAsEarlierChildrenLeftIt() throws Exception {
        // child 1 puts a new X-Dup on top; child 2's "2nd X-Dup" is then the MTA's original one
        try (FakeChain chain = FakeChain.of(editing(new Response.InsertHeader(0, "X-Dup", "new")),
                editing(new Response.ChangeHeader(2, "X-Dup", "b")), FakeMilter.builder())) {
            List<List<Response>> eom = run(chain, "From", "f", "X-Dup", "a", "Subject", "s");
            assertEquals(oneWrite(new Response.ChangeHeader(1, "X-Dup", "b"), new Response.InsertHeader(0, "X-Dup", "new"),
                    new Response.Continue()), eom);
            List<String> expected = List.of("X-Dup: new", "From: f", "X-Dup: b", "Subject: s");
            assertEquals(expected, chain.headersSeenBy(2));
            assertEquals(expected, MtaHeaders.apply(List.of("From: f", "X-Dup: a", "Subject: s"), eom.getFirst()));
        }
    }

    @Test
    void everyHeaderEditCombinedFromTwoChildren() throws Exception {
        try (FakeChain chain = FakeChain.of(
                editing(new Response.AddHeader("X-A", "1"), new Response.InsertHeader(0, "X-Top", "t"),
                        new Response.ChangeHeader(1, "Subject", "s1"), new Response.ChangeHeader(1, "To", "")),
                editing(new Response.ChangeHeader(1, "x-a", "2"), new Response.AddHeader("X-B", "b"),
                        new Response.InsertHeader(2, "X-Mid", "m")),
                FakeMilter.builder())) {
            List<List<Response>> eom = run(chain);
            assertEquals(1, eom.size(), eom::toString);
            List<String> expected = List.of("X-Top: t", "From: alice@example.org", "X-Mid: m", "Subject: s1",
                    "x-a: 2", "X-B: b");
            assertEquals(expected, chain.headersSeenBy(2));
            assertEquals(expected, MtaHeaders.apply(ORIGINAL, eom.getFirst()));
            assertEquals(List.of(new Response.ChangeHeader(1, "Subject", "s1"), new Response.ChangeHeader(1, "To", ""),
                    new Response.InsertHeader(0, "X-Top", "t"), new Response.InsertHeader(2, "X-Mid", "m"),
                    new Response.AddHeader("x-a", "2"), new Response.AddHeader("X-B", "b"), new Response.Continue()),
                    eom.getFirst());
        }
    }

    @Test
    void secondMessageStartsFromItsOwnHeaders() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.AddHeader("X-First", "1")), FakeMilter.builder())) {
            run(chain);
            chain.send(new dev.miltermanager.protocol.Command.Abort());
            chain.nextMessage();
            chain.headers("Subject", "two");
            chain.body("Again\r\n");
            assertEquals(oneWrite(new Response.AddHeader("X-First", "1"), new Response.Continue()),
                    chain.endOfMessage());
            assertEquals(List.of("Subject: two", "X-First: 1"), chain.headersSeenBy(1));
        }
    }
}
