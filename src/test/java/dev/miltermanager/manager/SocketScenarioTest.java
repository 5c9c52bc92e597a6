package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.testing.FakeSession;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager over real sockets, with a {@link MilterClient} as the MTA: a whole message over TCP and over a Unix
 * socket, and an MTA that hangs up in the middle of a message — the children are told, and no session, thread or
 * temporary file is left behind.
 */
class SocketScenarioTest {
    @TempDir
    Path dir;

    /** The manager's threads, so a test can tell when they have all ended. */
    static final class TrackedThreads implements ThreadFactory {
        private final ThreadFactory virtual = Thread.ofVirtual().name("manager-under-test-", 0).factory();
        private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = virtual.newThread(task);
            threads.add(thread);
            return thread;
        }

        long alive() {
            return threads.stream().filter(Thread::isAlive).count();
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + FakeChain.WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    private List<Path> spillFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("milter-body-")).toList();
        }
    }

    private static MilterClient mta(FakeChain chain) {
        MilterClient mta = MilterClient.connect(chain.manager.localSpec(), ClientOptions.DEFAULTS.withName("mta"));
        mta.negotiate(FakeChain.FULL_OFFER);
        assertEquals(new Response.Continue(), mta.send(new Command.Connect("client.example.org",
                Command.Family.INET, 41000, "192.0.2.10"), Map.of("v", "Postfix 3.8.6")));
        assertEquals(new Response.Continue(), mta.send(new Command.Helo("client.example.org")));
        assertEquals(new Response.Continue(), mta.send(new Command.MailFrom("<alice@example.org>")));
        assertEquals(new Response.Continue(), mta.send(new Command.Recipient("<bob@example.net>")));
        assertEquals(new Response.Continue(), mta.send(new Command.Data()));
        return mta;
    }

    private static FakeMilter.Builder editingChild() {
        return FakeMilter.builder().edits(new Response.AddRecipient("<carol@example.net>"),
                new Response.InsertHeader(0, "X-Top", "t"), FakeChain.replaceBody("Replaced\r\n"));
    }

    private static void wholeMessage(MilterClient mta, FakeChain chain) {
        assertEquals(new Response.Continue(), mta.send(new Command.Header("Subject", "over a socket")));
        assertEquals(new Response.Continue(), mta.send(new Command.EndOfHeaders()));
        assertEquals(new Response.Continue(), mta.body(ByteBuffer.wrap("Original\r\n".getBytes())));
        List<Response> heard = new CopyOnWriteArrayList<>();
        EndOfMessageResult result = mta.endOfMessage(Map.of("i", "4711"), heard::add);
        assertEquals(new Response.Continue(), result.decision());
        assertEquals(List.of(new Response.AddRecipient("<carol@example.net>"), FakeChain.replaceBody("Replaced\r\n"),
                new Response.ChangeHeader(1, "Subject", "changed"), new Response.InsertHeader(0, "X-Top", "t")),
                result.modifications());
        assertEquals(List.of("X-Top: t", "Subject: over a socket"), chain.headersSeenBy(1));
        assertEquals("Replaced\r\n", chain.childMessage(1).bodyText());
    }

    @Test
    void wholeMessageOverTcp() throws Exception {
        try (FakeChain chain = FakeChain.of(editingChild(),
                FakeMilter.builder().edits(new Response.ChangeHeader(1, "Subject", "changed")))) {
            chain.manager.start();
            try (MilterClient mta = mta(chain)) {
                wholeMessage(mta, chain);
                mta.abort();
                mta.quit();
            }
            await(() -> chain.manager.activeSessions() == 0, "the session is closed");
            assertEquals(FakeSession.State.QUIT, chain.child(0).awaitEnd(FakeChain.WAIT));
            assertEquals("4711", chain.child(1).received(Stage.EOM).getLast().macros().get("i"));
        }
    }

    @Test
    void wholeMessageOverUnixSocketsOnBothSides() throws Exception {
        Path socket = dir.resolve("manager.sock");
        try (FakeChain chain = FakeChain.builder().child(editingChild().unixSocketIn(dir))
                .child(FakeMilter.builder().unixSocketIn(dir)
                        .edits(new Response.ChangeHeader(1, "Subject", "changed")))
                .config(c -> c.connectionSpec(ConnectionSpec.unix(socket))).start()) {
            chain.manager.start();
            assertTrue(Files.exists(socket));
            try (MilterClient mta = mta(chain)) {
                wholeMessage(mta, chain);
                mta.quit();
            }
            await(() -> chain.manager.activeSessions() == 0, "the session is closed");
            chain.manager.close();
            assertFalse(Files.exists(socket), "the socket file is removed on close");
        }
    }

    @Test
    void mtaHangingUpMidMessageClosesEverythingAndLeavesNothingBehind() throws Exception {
        TrackedThreads threads = new TrackedThreads();
        try (FakeChain chain = FakeChain.builder().threads(threads)
                .child(FakeMilter.builder()).child(FakeMilter.builder())
                .config(c -> c.maxBodyBytesInMemory(1000).temporaryDirectory(dir)).start()) {
            chain.manager.start();
            MilterClient mta = mta(chain);
            assertEquals(new Response.Continue(), mta.send(new Command.Header("From", "alice@example.org")));
            assertEquals(new Response.Continue(), mta.send(new Command.Header("Subject", "hanging up")));
            assertEquals(new Response.Continue(), mta.send(new Command.EndOfHeaders()));
            assertEquals(new Response.Continue(), mta.body(ByteBuffer.wrap(FakeChain.bytes(5000, 50))));
            assertEquals(1, spillFiles().size(), "the body is kept in a file for the second child");
            assertEquals(1, chain.manager.activeSessions());
            mta.close();
            for (int i = 0; i < 2; i++) {
                FakeSession.State end = chain.child(i).awaitEnd(FakeChain.WAIT);
                assertTrue(end == FakeSession.State.QUIT || end == FakeSession.State.MTA_CLOSED, end::toString);
            }
            await(() -> chain.manager.activeSessions() == 0, "the session is closed");
            assertEquals(List.of(), spillFiles());
            await(() -> threads.alive() <= 1, "only the accepting thread is left (" + threads.alive() + ")");
            chain.manager.close();
            await(() -> threads.alive() == 0, "every manager thread has ended");
        }
    }

    @Test
    void mtaHangingUpDuringASlowEndOfMessageIsNoticedAfterIt() throws Exception {
        TrackedThreads threads = new TrackedThreads();
        try (FakeChain chain = FakeChain.builder().threads(threads)
                .child(FakeMilter.builder().reply(Stage.EOM, FakeReply.CONTINUE.after(Duration.ofMillis(300))))
                .child(FakeMilter.builder()).start()) {
            chain.manager.start();
            MilterClient mta = mta(chain);
            mta.send(new Command.Header("Subject", "slow"));
            mta.send(new Command.EndOfHeaders());
            Thread eom = Thread.ofVirtual().start(() -> {
                try {
                    mta.endOfMessage(Map.of(), r -> { });
                } catch (RuntimeException expected) {
                    // the MTA side is closed under it
                }
            });
            chain.child(0).awaitCommand(Command.EndOfMessage.class, FakeChain.WAIT);
            mta.close();
            eom.join(FakeChain.WAIT);
            await(() -> chain.manager.activeSessions() == 0, "the session is closed");
            for (int i = 0; i < 2; i++) {
                assertTrue(chain.child(i).awaitEnd(FakeChain.WAIT) != FakeSession.State.OPEN);
            }
            await(() -> threads.alive() <= 1, "only the accepting thread is left");
        }
    }

    @Test
    void severalMtaConnectionsAtOnceAreIndependent() throws Exception {
        try (FakeChain chain = FakeChain.of(FakeMilter.builder().on(Stage.RCPT, "<reject@", FakeReply.REJECT),
                FakeMilter.builder().actions(Action.ADD_HEADERS).edits(new Response.AddHeader("X-2", "2")))) {
            chain.manager.start();
            try (MilterClient one = mta(chain); MilterClient two = mta(chain)) {
                assertEquals(new Response.Reject(), one.send(new Command.Recipient("<reject@example.net>")));
                assertEquals(new Response.Continue(), two.send(new Command.Recipient("<ok@example.net>")));
                for (MilterClient mta : List.of(two, one)) {
                    mta.send(new Command.Header("Subject", "parallel"));
                    mta.send(new Command.EndOfHeaders());
                    EndOfMessageResult result = mta.endOfMessage(Map.of(), r -> { });
                    assertEquals(List.of(new Response.AddHeader("X-2", "2")), result.modifications());
                }
                assertEquals(2, chain.manager.activeSessions());
                one.quit();
                two.quit();
            }
            await(() -> chain.manager.activeSessions() == 0, "both sessions are closed");
        }
    }
}
