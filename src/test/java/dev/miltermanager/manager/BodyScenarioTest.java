package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Message bodies through the manager: larger than a chunk, larger than the in-memory limit (a private temporary
 * file that lives only as long as the message), replayed to later children in exactly {@code chunk_size} pieces,
 * and replaced bodies replayed the same way.
 */
class BodyScenarioTest {
    @TempDir
    Path spill;

    /** The files in the spill directory with their permissions, as {@code name rw-------}. */
    private List<String> spillFiles() {
        try (Stream<Path> files = Files.list(spill)) {
            return files.map(f -> {
                try {
                    return f.getFileName() + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A child that notes the spill directory's files when it gets end of message. */
    private FakeMilter.Builder watchingSpill(List<List<String>> seen) {
        return FakeMilter.builder().on(Stage.EOM, (session, command) -> {
            seen.add(spillFiles());
            return null;
        });
    }

    private FakeChain.Builder smallMemory() {
        return FakeChain.builder().config(c -> c.maxBodyBytesInMemory(1000).temporaryDirectory(spill));
    }

    private static void message(FakeChain chain, byte[] body, int mtaChunk) {
        chain.headers("Subject", "body test");
        chain.body(body, mtaChunk);
    }

    @Test
    void bodyLargerThanOneChunkReachesEveryChildWhole() throws Exception {
        byte[] body = FakeChain.bytes(150_000, 11);
        try (FakeChain chain = FakeChain.of(FakeMilter.builder(), FakeMilter.builder())) {
            chain.envelope();
            message(chain, body, 65535);
            assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage());
            assertEquals(List.of(65535, 65535, 18930), chain.bodyChunksSeenBy(0));
            assertEquals(List.of(65535, 65535, 18930), chain.bodyChunksSeenBy(1));
            assertArrayEquals(body, chain.childMessage(0).bodyBytes());
            assertArrayEquals(body, chain.childMessage(1).bodyBytes());
        }
    }

    @Test
    void replayUsesExactlyChunkSizePiecesWhateverTheMtaSent() throws Exception {
        byte[] body = FakeChain.bytes(2500, 12);
        try (FakeChain chain = FakeChain.builder().config(c -> c.chunkSize(1000))
                .child(FakeMilter.builder()).child(FakeMilter.builder()).child(FakeMilter.builder()).start()) {
            chain.envelope();
            chain.headers("Subject", "chunks");
            chain.body(body, 700);
            assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage());
            assertEquals(List.of(700, 700, 700, 400), chain.bodyChunksSeenBy(0));
            assertEquals(List.of(1000, 1000, 500), chain.bodyChunksSeenBy(1));
            assertEquals(List.of(1000, 1000, 500), chain.bodyChunksSeenBy(2));
            assertArrayEquals(body, chain.childMessage(2).bodyBytes());
        }
    }

    @Test
    void replacedBodyIsReplayedInChunkSizePieces() throws Exception {
        byte[] replacement = FakeChain.bytes(2500, 13);
        try (FakeChain chain = FakeChain.builder().config(c -> c.chunkSize(1000))
                .child(FakeMilter.builder().edits(Response.ReplaceBody.of(replacement)))
                .child(FakeMilter.builder()).start()) {
            chain.envelope();
            message(chain, "short\r\n".getBytes(), 65535);
            List<List<Response>> eom = chain.endOfMessage();
            assertEquals(1, eom.size());
            assertEquals(4, eom.getFirst().size(), eom::toString);
            assertEquals(List.of(1000, 1000, 500), chain.bodyChunksSeenBy(1));
            assertArrayEquals(replacement, chain.childMessage(1).bodyBytes());
        }
    }

    @Test
    void bodyBytesInTheMtasEndOfMessageAreTheLastPieceOfTheBody() throws Exception {
        // libmilter accepts a last body chunk in SMFIC_BODYEOB; Postfix and Sendmail send none, a Java MTA might
        try (FakeChain chain = FakeChain.of(FakeMilter.builder(), FakeMilter.builder())) {
            chain.envelope();
            chain.headers("Subject", "tail");
            chain.body("Head\r\n");
            assertEquals(List.of(FakeChain.CONTINUE), chain.send(new Command.EndOfMessage(
                    java.nio.ByteBuffer.wrap("Tail\r\n".getBytes()))));
            assertEquals("Head\r\nTail\r\n", chain.childMessage(0).bodyText());
            assertEquals("Head\r\nTail\r\n", chain.childMessage(1).bodyText());
        }
    }

    @Test
    void emptyBodyIsReplayedAsNoChunkAtAll() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder(), FakeMilter.builder())) {
            chain.envelope();
            chain.headers("Subject", "empty");
            assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage());
            assertEquals(List.of(), chain.bodyChunksSeenBy(1));
            assertTrue(chain.childMessage(1).endOfMessage());
        }
    }

    @Test
    void bodyOverTheMemoryLimitLivesInAPrivateFileUntilTheMessageEnds() throws Exception {
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        byte[] body = FakeChain.bytes(5000, 14);
        try (FakeChain chain = smallMemory().child(FakeMilter.builder()).child(watchingSpill(seen)).start()) {
            chain.envelope();
            message(chain, body, 2000);
            assertEquals(1, spillFiles().size(), "spilled once the body passed 1000 bytes");
            assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage());
            assertEquals(1, seen.size());
            assertEquals(1, seen.getFirst().size(), seen::toString);
            assertTrue(seen.getFirst().getFirst().matches("milter-body-.*\\.tmp rw-------"), seen::toString);
            assertArrayEquals(body, chain.childMessage(1).bodyBytes());
            assertEquals(List.of(), chain.send(new Command.Abort()));
            assertEquals(List.of(), spillFiles(), "ABORT ends the message and deletes its file");
        }
    }

    @Test
    void bodyWithinTheMemoryLimitNeedsNoFile() throws Exception {
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        try (FakeChain chain = smallMemory().child(FakeMilter.builder()).child(watchingSpill(seen)).start()) {
            chain.envelope();
            message(chain, FakeChain.bytes(1000, 15), 400);
            chain.endOfMessage();
            assertEquals(List.of(List.of()), seen);
        }
    }

    @Test
    void bodyNobodyReplaysIsNotKept() throws Exception {
        // one child, or children that cannot change the message, all get the body in step: nothing to keep
        try (FakeChain chain = smallMemory().child(FakeMilter.builder().actions(0))
                .child(FakeMilter.builder().actions(Action.SET_MACRO_LIST)).child(FakeMilter.builder()).start()) {
            chain.envelope();
            message(chain, FakeChain.bytes(5000, 16), 2000);
            assertEquals(List.of(), spillFiles());
            assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage());
            for (int i = 0; i < 3; i++) {
                assertEquals(List.of(2000, 2000, 1000), chain.bodyChunksSeenBy(i), "child " + i);
            }
        }
    }

    @Test
    void largeReplacedBodyIsSpilledTooAndGoneAfterEndOfMessage() throws Exception {
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        byte[] replacement = FakeChain.bytes(5000, 17);
        try (FakeChain chain = smallMemory().child(FakeMilter.builder().edits(Response.ReplaceBody.of(replacement)))
                .child(watchingSpill(seen)).start()) {
            chain.envelope();
            message(chain, FakeChain.bytes(3000, 18), 3000);
            List<List<Response>> eom = chain.endOfMessage();
            assertEquals(List.of(2), seen.stream().map(List::size).toList(), "the MTA's body and the replacement");
            assertTrue(seen.getFirst().stream().allMatch(f -> f.endsWith(" rw-------")), seen::toString);
            assertArrayEquals(replacement, chain.childMessage(1).bodyBytes());
            assertEquals(1, eom.size());
            assertEquals(1, spillFiles().size(), "only the MTA's body is left until the message ends");
            chain.send(new Command.Abort());
            assertEquals(List.of(), spillFiles());
        }
    }

    @Test
    void replacedBodyAboveOneWriteGoesToTheMtaInPiecesAheadOfTheVerdict() throws Exception {
        byte[] replacement = FakeChain.bytes(40 * 65535 + 123, 21);
        List<Response.Modification> pieces = new ArrayList<>();
        for (int at = 0; at < replacement.length; at += 65535) {
            pieces.add(Response.ReplaceBody.of(Arrays.copyOfRange(replacement, at,
                    Math.min(replacement.length, at + 65535))));
        }
        try (FakeChain chain = smallMemory().child(FakeMilter.builder()
                .edits(pieces.toArray(Response.Modification[]::new))).start()) {
            chain.envelope();
            message(chain, FakeChain.bytes(500, 22), 500);
            List<List<Response>> eom = chain.endOfMessage();
            assertEquals(3, eom.size(), "two writes of about 1 MiB of body, then the rest with the verdict");
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            for (List<Response> write : eom) {
                long bytes = 0;
                for (Response r : write) {
                    if (r instanceof Response.ReplaceBody b) {
                        sent.writeBytes(b.toByteArray());
                        bytes += b.chunk().remaining();
                    }
                }
                assertTrue(bytes <= EndOfMessageRun.REPLACED_BODY_WRITE_BYTES + 65535, "one write held " + bytes);
            }
            assertTrue(eom.get(0).stream().allMatch(Response.ReplaceBody.class::isInstance));
            assertEquals(new Response.Continue(), eom.getLast().getLast());
            assertArrayEquals(replacement, sent.toByteArray());
            chain.send(new Command.Abort());
            assertEquals(List.of(), spillFiles());
        }
    }

    @Test
    void quitInTheMiddleOfALargeMessageLeavesNoFile() throws Exception {
        try (FakeChain chain = smallMemory().child(FakeMilter.builder()).child(FakeMilter.builder()).start()) {
            chain.envelope();
            message(chain, FakeChain.bytes(5000, 19), 1000);
            assertEquals(1, spillFiles().size());
            chain.quit();
            assertEquals(List.of(), spillFiles());
            assertEquals(0, chain.manager.activeSessions());
        }
    }

    @Test
    void nextMailWithoutAbortAlsoDeletesThePreviousFile() throws Exception {
        try (FakeChain chain = smallMemory().child(FakeMilter.builder()).child(FakeMilter.builder()).start()) {
            chain.envelope();
            message(chain, FakeChain.bytes(5000, 20), 5000);
            chain.endOfMessage();
            chain.nextMessage();
            assertEquals(List.of(), spillFiles());
        }
    }

    @Test
    void everyMessageOfASessionGetsItsOwnFileAndLeavesNone() throws Exception {
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        try (FakeChain chain = smallMemory().child(FakeMilter.builder()).child(watchingSpill(seen)).start()) {
            chain.envelope();
            for (int i = 0; i < 3; i++) {
                if (i > 0) {
                    chain.nextMessage();
                }
                byte[] body = FakeChain.bytes(4000 + i, 30 + i);
                message(chain, body, 1500);
                assertEquals(List.of(FakeChain.CONTINUE), chain.endOfMessage());
                assertArrayEquals(body, chain.childMessage(1).bodyBytes());
                chain.send(new Command.Abort());
            }
            assertEquals(List.of(1, 1, 1), seen.stream().map(List::size).toList());
            assertEquals(List.of(), spillFiles());
        }
    }

    @Test
    void bodyOneByteOverTheLimitIsSpilledToAnOwnerOnlyFile() throws Exception {
        List<List<String>> seen = new CopyOnWriteArrayList<>();
        try (FakeChain chain = smallMemory().child(FakeMilter.builder()).child(watchingSpill(seen)).start()) {
            chain.envelope(Map.of());
            message(chain, FakeChain.bytes(1001, 21), 1001);
            chain.endOfMessage();
            Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
            assertEquals(1, seen.getFirst().size());
            assertTrue(seen.getFirst().getFirst().endsWith(PosixFilePermissions.toString(ownerOnly)));
        }
    }
}
