package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.testing.FakeMilter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The MTA's header conventions: Postfix's hidden {@code Received:} header (recognised by the {@code v} macro) and
 * the leading space of header values ({@code HDR_LEADSPC}) when the MTA and a child disagree about it
 * (reference/protocol-and-peers.md §2, reference/milter-manager.md §1.5).
 */
class PostfixHeaderScenarioTest {
    private static final Map<String, String> POSTFIX = Map.of("j", "mx.example.net", "v", "Postfix 3.8.6");
    private static final Map<String, String> SENDMAIL = Map.of("j", "mx.example.net", "v", "8.18.1");

    private static List<List<Response>> run(FakeChain chain, Map<String, String> connectMacros) {
        chain.envelope(connectMacros);
        chain.headers("From", "alice@example.org", "To", "bob@example.net", "Subject", "hello");
        chain.body("Hi\r\n");
        return chain.endOfMessage();
    }

    private static FakeChain insertingThenWatching(int index) throws Exception {
        return FakeChain.of(FakeMilter.builder().edits(new Response.InsertHeader(index, "X-Ins", "v")),
                FakeMilter.builder());
    }

    // ---- Postfix's hidden Received: ----

    @Test
    void withPostfixInsertAtZeroGoesAboveItsReceivedHeader() throws Exception {
        try (FakeChain chain = insertingThenWatching(0)) {
            assertEquals(List.of(List.of(new Response.InsertHeader(0, "X-Ins", "v"), new Response.Continue())),
                    run(chain, POSTFIX));
            assertEquals("X-Ins: v", chain.headersSeenBy(1).getFirst());
        }
    }

    @Test
    void withPostfixInsertAtOneGoesJustBelowItsReceivedHeaderAboveEveryVisibleHeader() throws Exception {
        try (FakeChain chain = insertingThenWatching(1)) {
            assertEquals(List.of(List.of(new Response.InsertHeader(1, "X-Ins", "v"), new Response.Continue())),
                    run(chain, POSTFIX));
            assertEquals(List.of("X-Ins: v", "From: alice@example.org", "To: bob@example.net", "Subject: hello"),
                    chain.headersSeenBy(1));
        }
    }

    @Test
    void withoutPostfixInsertAtOneGoesBelowTheFirstHeader() throws Exception {
        try (FakeChain chain = insertingThenWatching(1)) {
            assertEquals(List.of(List.of(new Response.InsertHeader(1, "X-Ins", "v"), new Response.Continue())),
                    run(chain, SENDMAIL));
            assertEquals(List.of("From: alice@example.org", "X-Ins: v", "To: bob@example.net", "Subject: hello"),
                    chain.headersSeenBy(1));
        }
    }

    @Test
    void withoutAnyVersionMacroIndexesArePlain() throws Exception {
        try (FakeChain chain = insertingThenWatching(2)) {
            assertEquals(List.of(List.of(new Response.InsertHeader(2, "X-Ins", "v"), new Response.Continue())),
                    run(chain, Map.of()));
            assertEquals("X-Ins: v", chain.headersSeenBy(1).get(2));
        }
    }

    @Test
    void withPostfixInsertCountsTheHiddenHeader() throws Exception {
        try (FakeChain chain = insertingThenWatching(2)) {
            assertEquals(List.of(List.of(new Response.InsertHeader(2, "X-Ins", "v"), new Response.Continue())),
                    run(chain, POSTFIX));
            assertEquals("X-Ins: v", chain.headersSeenBy(1).get(1));
        }
    }

    @Test
    void withPostfixChangesAndDeletesComeBeforeAnInsertAtTheTop() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().edits(new Response.InsertHeader(0, "X-Top", "t"),
                new Response.ChangeHeader(1, "From", "mallory@example.org"), new Response.ChangeHeader(1, "To", "")),
                FakeMilter.builder())) {
            assertEquals(List.of(List.of(new Response.ChangeHeader(1, "From", "mallory@example.org"),
                    new Response.ChangeHeader(1, "To", ""), new Response.InsertHeader(0, "X-Top", "t"),
                    new Response.Continue())), run(chain, POSTFIX));
            assertEquals(List.of("X-Top: t", "From: mallory@example.org", "Subject: hello"), chain.headersSeenBy(1));
        }
    }

    @Test
    void withPostfixAnAddedHeaderIsAppended() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().edits(new Response.AddHeader("X-Add", "a")))) {
            assertEquals(List.of(List.of(new Response.AddHeader("X-Add", "a"), new Response.Continue())),
                    run(chain, POSTFIX));
        }
    }

    // ---- leading space ----

    @Test
    void childWithoutLeadingSpaceGetsValuesWithoutItAndItsEditsGetOne() throws Exception {
        try (FakeChain chain = FakeChain.of(
                FakeMilter.builder().protocol(ProtocolFlag.HEADER_LEADING_SPACE)
                        .edits(new Response.AddHeader("X-A", " a")),
                FakeMilter.builder().edits(new Response.AddHeader("X-B", "b"),
                        new Response.ChangeHeader(1, "Subject", "changed")),
                FakeMilter.builder())) {
            Response.Negotiate agreed = chain.negotiate();
            assertTrue(ProtocolFlag.HEADER_LEADING_SPACE.in(agreed.protocol()), agreed.toString());
            chain.greet(Map.of());
            chain.nextMessage();
            chain.headers("From", " alice@example.org", "Subject", " hello");
            chain.body("Hi\r\n");
            assertEquals(List.of(List.of(new Response.ChangeHeader(1, "Subject", " changed"),
                    new Response.AddHeader("X-A", " a"), new Response.AddHeader("X-B", " b"),
                    new Response.Continue())), chain.endOfMessage());
            assertEquals(List.of("From:  alice@example.org", "Subject:  hello"), chain.headersSeenBy(0));
            assertEquals(List.of("From: alice@example.org", "Subject: hello", "X-A: a"), chain.headersSeenBy(1));
            assertEquals(List.of("From: alice@example.org", "Subject: changed", "X-A: a", "X-B: b"),
                    chain.headersSeenBy(2));
        }
    }

    @Test
    void firstChildInStepGetsValuesWithoutTheLeadingSpaceAndADeleteStaysADelete() throws Exception {
        try (FakeChain chain = FakeChain.of(
                FakeMilter.builder().edits(new Response.ChangeHeader(1, "Subject", ""),
                        new Response.AddHeader("X-B", "b")),
                FakeMilter.builder().protocol(ProtocolFlag.HEADER_LEADING_SPACE))) {
            chain.negotiate();
            chain.greet(Map.of());
            chain.nextMessage();
            chain.headers("From", " alice@example.org", "Subject", " hello");
            chain.body("Hi\r\n");
            assertEquals(List.of(List.of(new Response.ChangeHeader(1, "Subject", ""),
                    new Response.AddHeader("X-B", " b"), new Response.Continue())), chain.endOfMessage());
            assertEquals(List.of("From: alice@example.org", "Subject: hello"), chain.headersSeenBy(0));
            assertEquals(List.of("From:  alice@example.org", "X-B:  b"), chain.headersSeenBy(1));
        }
    }

    @Test
    void withoutAChildAskingTheLeadingSpaceIsNotAgreedAndValuesPassAsTheyAre() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().edits(new Response.AddHeader("X-B", "b")),
                FakeMilter.builder())) {
            Response.Negotiate agreed = chain.negotiate();
            assertFalse(ProtocolFlag.HEADER_LEADING_SPACE.in(agreed.protocol()), agreed.toString());
            chain.greet(Map.of());
            chain.nextMessage();
            chain.headers("Subject", "hello");
            chain.body("Hi\r\n");
            assertEquals(List.of(List.of(new Response.AddHeader("X-B", "b"), new Response.Continue())),
                    chain.endOfMessage());
            assertEquals(List.of("Subject: hello"), chain.headersSeenBy(0));
            assertEquals(List.of("Subject: hello", "X-B: b"), chain.headersSeenBy(1));
        }
    }
}
