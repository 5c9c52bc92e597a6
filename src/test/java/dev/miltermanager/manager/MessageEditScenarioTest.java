package dev.miltermanager.manager;

import static dev.miltermanager.manager.FakeChain.replaceBody;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.SmtpReply;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Body, envelope and quarantine edits through the manager, alone and combined: what the MTA gets at end of message
 * (replaced body, header diff, change of sender, quarantine, verdict, in one write; recipient changes and progress
 * at once, each in its own write), what later children see, who wins, and that a rejected message drops them.
 */
class MessageEditScenarioTest {

    private static List<List<Response>> run(FakeChain chain) {
        chain.envelope();
        chain.headers("From", "alice@example.org", "Subject", "hello");
        chain.body("Original body\r\n");
        return chain.endOfMessage();
    }

    private static FakeMilter.Builder editing(Response.Modification... edits) {
        return FakeMilter.builder().edits(edits);
    }

    private static byte[] concatBodies(List<Response> responses) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Response r : responses) {
            if (r instanceof Response.ReplaceBody b) {
                out.writeBytes(b.toByteArray());
            }
        }
        return out.toByteArray();
    }

    private static List<Integer> bodyPieces(List<Response> responses) {
        return responses.stream().filter(Response.ReplaceBody.class::isInstance)
                .map(r -> ((Response.ReplaceBody) r).chunk().remaining()).toList();
    }

    // ---- replace body ----

    @Test
    void bodyReplacedByFirstChildGoesToMtaAndIsReplayedToSecond() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(replaceBody("New body\r\n")), FakeMilter.builder())) {
            assertEquals(List.of(List.of(replaceBody("New body\r\n"), new Response.Continue())), run(chain));
            assertEquals("Original body\r\n", chain.childMessage(0).bodyText());
            assertEquals("New body\r\n", chain.childMessage(1).bodyText());
        }
    }

    @Test
    void bodyReplacedOnlyByLaterChildReachesMta() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder(), editing(replaceBody("Second\r\n")))) {
            assertEquals(List.of(List.of(replaceBody("Second\r\n"), new Response.Continue())), run(chain));
            assertEquals("Original body\r\n", chain.childMessage(1).bodyText());
        }
    }

    @Test
    void bodyReplacedInSeveralPiecesIsJoinedAndSentInChunkSizePieces() throws Exception {
        byte[] a = FakeChain.bytes(30_000, 1);
        byte[] b = FakeChain.bytes(30_000, 2);
        byte[] c = FakeChain.bytes(30_000, 3);
        try (FakeChain chain = FakeChain.of(editing(Response.ReplaceBody.of(a), Response.ReplaceBody.of(b),
                Response.ReplaceBody.of(c)), FakeMilter.builder())) {
            List<List<Response>> eom = run(chain);
            assertEquals(1, eom.size());
            List<Response> write = eom.getFirst();
            assertEquals(List.of(65535, 90_000 - 65535), bodyPieces(write));
            byte[] all = new byte[90_000];
            System.arraycopy(a, 0, all, 0, 30_000);
            System.arraycopy(b, 0, all, 30_000, 30_000);
            System.arraycopy(c, 0, all, 60_000, 30_000);
            assertArrayEquals(all, concatBodies(write));
            assertEquals(new Response.Continue(), write.getLast());
            assertArrayEquals(all, chain.childMessage(1).bodyBytes());
        }
    }

    @Test
    void replacedBodyHonoursAConfiguredChunkSize() throws Exception {
        try (FakeChain chain = FakeChain.builder().config(c -> c.chunkSize(1000))
                .child(editing(Response.ReplaceBody.of(FakeChain.bytes(2500, 7)))).start()) {
            assertEquals(List.of(1000, 1000, 500), bodyPieces(run(chain).getFirst()));
        }
    }

    @Test
    void laterReplacementWinsAndSeesTheEarlierOne() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(replaceBody("First\r\n")), editing(replaceBody("Second\r\n")),
                FakeMilter.builder())) {
            assertEquals(List.of(List.of(replaceBody("Second\r\n"), new Response.Continue())), run(chain));
            assertEquals("First\r\n", chain.childMessage(1).bodyText());
            assertEquals("Second\r\n", chain.childMessage(2).bodyText());
        }
    }

    @Test
    void bodyReplacedByAnEmptyOneIsSentAsOneEmptyPiece() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(Response.ReplaceBody.of(new byte[0])), FakeMilter.builder())) {
            assertEquals(List.of(List.of(Response.ReplaceBody.of(new byte[0]), new Response.Continue())),
                    run(chain));
            assertEquals(0, chain.childMessage(1).bodyBytes().length);
        }
    }

    // ---- recipients: at once, in their own writes ----

    @Test
    void addedRecipientGoesToMtaAtOnceInItsOwnWrite() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.AddRecipient("<carol@example.net>")),
                FakeMilter.builder())) {
            assertEquals(List.of(List.of(new Response.AddRecipient("<carol@example.net>")),
                    List.of(new Response.Continue())), run(chain));
        }
    }

    @Test
    void addedRecipientWithArgsGoesToMtaAsSent() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder(),
                editing(new Response.AddRecipientWithArgs("<carol@example.net>", "NOTIFY=NEVER ORCPT=rfc822;c@x")))) {
            assertEquals(List.of(List.of(new Response.AddRecipientWithArgs("<carol@example.net>",
                    "NOTIFY=NEVER ORCPT=rfc822;c@x")), List.of(new Response.Continue())), run(chain));
        }
    }

    @Test
    void deletedRecipientGoesToMtaAtOnce() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.DeleteRecipient("<bob@example.net>")))) {
            assertEquals(List.of(List.of(new Response.DeleteRecipient("<bob@example.net>")),
                    List.of(new Response.Continue())), run(chain));
        }
    }

    @Test
    void recipientEditsOfSeveralChildrenArriveInChildOrderWithoutDeduplication() throws Exception {
        try (FakeChain chain = FakeChain.of(
                editing(new Response.AddRecipient("<c@x>"), new Response.DeleteRecipient("<bob@example.net>")),
                editing(new Response.AddRecipient("<c@x>")))) {
            assertEquals(List.of(List.of(new Response.AddRecipient("<c@x>")),
                    List.of(new Response.DeleteRecipient("<bob@example.net>")),
                    List.of(new Response.AddRecipient("<c@x>")), List.of(new Response.Continue())), run(chain));
        }
    }

    // ---- change from, quarantine: last child wins ----

    @Test
    void changeFromWithArgsReachesMta() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.ChangeFrom("<bounce@example.org>", "RET=HDRS")),
                FakeMilter.builder())) {
            assertEquals(List.of(List.of(new Response.ChangeFrom("<bounce@example.org>", "RET=HDRS"),
                    new Response.Continue())), run(chain));
        }
    }

    @Test
    void lastChangeFromWins() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.ChangeFrom("<one@example.org>")),
                editing(new Response.ChangeFrom("<two@example.org>", "ENVID=x")), FakeMilter.builder())) {
            assertEquals(List.of(List.of(new Response.ChangeFrom("<two@example.org>", "ENVID=x"),
                    new Response.Continue())), run(chain));
        }
    }

    @Test
    void quarantineReachesMtaAndLastReasonWins() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.Quarantine("first")),
                editing(new Response.Quarantine("second")))) {
            assertEquals(List.of(List.of(new Response.Quarantine("second"), new Response.Continue())), run(chain));
        }
    }

    @Test
    void quarantineWithHeaderChange() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.Quarantine("virus"),
                new Response.ChangeHeader(1, "Subject", "[VIRUS] hello")))) {
            assertEquals(List.of(List.of(new Response.ChangeHeader(1, "Subject", "[VIRUS] hello"),
                    new Response.Quarantine("virus"), new Response.Continue())), run(chain));
        }
    }

    // ---- everything together ----

    @Test
    void everyEditCombinedComesInTheDocumentedOrder() throws Exception {
        FakeMilter.Builder first = editing(new Response.Quarantine("q1"), new Response.ChangeFrom("<f1@x>"),
                new Response.AddRecipient("<r1@x>"), new Response.AddHeader("X-1", "one"), replaceBody("Body 1\r\n"))
                .reply(Stage.EOM, FakeReply.ACCEPT.after(Duration.ofMillis(250)).progressEvery(Duration.ofMillis(100)));
        FakeMilter.Builder second = editing(new Response.DeleteRecipient("<bob@example.net>"),
                new Response.ChangeHeader(1, "Subject", "changed"), new Response.ChangeFrom("<f2@x>", "RET=FULL"),
                new Response.AddRecipientWithArgs("<r2@x>", "NOTIFY=NEVER"));
        try (FakeChain chain = FakeChain.of(first, second, FakeMilter.builder())) {
            List<List<Response>> eom = run(chain);
            assertEquals(List.of(
                    List.of(new Response.Progress()), List.of(new Response.Progress()),
                    List.of(new Response.AddRecipient("<r1@x>")),
                    List.of(new Response.DeleteRecipient("<bob@example.net>")),
                    List.of(new Response.AddRecipientWithArgs("<r2@x>", "NOTIFY=NEVER")),
                    List.of(replaceBody("Body 1\r\n"), new Response.ChangeHeader(1, "Subject", "changed"),
                            new Response.AddHeader("X-1", "one"), new Response.ChangeFrom("<f2@x>", "RET=FULL"),
                            new Response.Quarantine("q1"), new Response.Continue())), eom);
            assertEquals("Body 1\r\n", chain.childMessage(2).bodyText());
            assertEquals(List.of("From: alice@example.org", "Subject: changed", "X-1: one"), chain.headersSeenBy(2));
        }
    }

    @Test
    void progressFromALaterChildGoesToMtaAtOnce() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder(), FakeMilter.builder().edits(new Response.AddHeader(
                "X-Slow", "yes")).reply(Stage.EOM, FakeReply.CONTINUE.after(Duration.ofMillis(350))
                .progressEvery(Duration.ofMillis(100))))) {
            assertEquals(List.of(List.of(new Response.Progress()), List.of(new Response.Progress()),
                    List.of(new Response.Progress()), List.of(new Response.AddHeader("X-Slow", "yes"),
                            new Response.Continue())), run(chain));
        }
    }

    // ---- a final verdict drops the edits ----

    @Test
    void laterChildsRejectDropsEarlierEdits() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.AddHeader("X-1", "1"), replaceBody("New\r\n"),
                new Response.ChangeFrom("<x@x>"), new Response.Quarantine("q")),
                FakeMilter.builder().reply(Stage.EOM, FakeReply.REJECT))) {
            assertEquals(List.of(List.of(new Response.Reject())), run(chain));
        }
    }

    @Test
    void rejectingChildsOwnEditsAreDropped() throws Exception {
        try (FakeChain chain = FakeChain.of(editing(new Response.AddHeader("X-1", "1"), replaceBody("New\r\n"))
                .reply(Stage.EOM, FakeReply.replyCode("550 5.7.1 no thanks")), FakeMilter.builder())) {
            assertEquals(List.of(List.of(new Response.ReplyCode(SmtpReply.parse("550 5.7.1 no thanks")))),
                    run(chain));
            chain.child(1).await(s -> s.abortCount() == 1, FakeChain.WAIT, "ABORT after the first child rejected");
            assertFalse(chain.childMessage(1).endOfMessage(), "the second child must not get end of message");
        }
    }

    @Test
    void tempfailAndDiscardDropEditsToo() throws Exception {
        for (FakeReply verdict : List.of(FakeReply.TEMPFAIL, FakeReply.DISCARD)) {
            try (FakeChain chain = FakeChain.of(editing(new Response.ChangeHeader(1, "Subject", "x"),
                    new Response.Quarantine("q")), FakeMilter.builder().reply(Stage.EOM, verdict))) {
                assertEquals(List.of(verdict.responses()), run(chain), verdict::toString);
            }
        }
    }

    @Test
    void recipientEditsAlreadySentStayWhenALaterChildRejects() throws Exception {
        // they went to the MTA at once; a rejected message has no recipients left to change anyway
        try (FakeChain chain = FakeChain.of(editing(new Response.AddRecipient("<r@x>"), new Response.AddHeader("X", "1")),
                FakeMilter.builder().reply(Stage.EOM, FakeReply.REJECT))) {
            assertEquals(List.of(List.of(new Response.AddRecipient("<r@x>")), List.of(new Response.Reject())),
                    run(chain));
        }
    }

    @Test
    void editsDoNotCarryOverToTheNextMessage() throws Exception {
        FakeMilter.Builder first = FakeMilter.builder().edits(message -> message.index() == 0
                ? List.of(new Response.AddHeader("X-Once", "1"), replaceBody("Once\r\n"), new Response.ChangeFrom("<o@x>"))
                : List.of());
        try (FakeChain chain = FakeChain.of(first, FakeMilter.builder())) {
            assertEquals(4, run(chain).getFirst().size());
            chain.send(new Command.Abort());
            chain.nextMessage();
            chain.headers("Subject", "again");
            chain.body("Second body\r\n");
            assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage());
            assertEquals("Second body\r\n", chain.childMessage(1).bodyText());
            assertEquals(List.of("Subject: again"), chain.headersSeenBy(1));
        }
    }
}
