package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.client.MilterClientException;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link MilterManager#shutdown}: stop accepting, let sessions finish, then answer and close what is left. */
class GracefulShutdownTest {
    private static final Command.Negotiate OFFER = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);
    private static final Command.Connect CLIENT = new Command.Connect("client.example", Command.Family.INET, 4000,
            "192.0.2.1");

    private static MilterClient mta(ConnectionSpec spec) {
        return MilterClient.connect(spec, ClientOptions.builder().name("mta").allTimeouts(Duration.ofSeconds(10))
                .build());
    }

    private static MilterManager manager(ChildConfig child) throws Exception {
        return MilterManager.create(MilterManagerConfig.builder()
                .connectionSpec(ConnectionSpec.parse("inet:0@[127.0.0.1]")).addChild(child).build()).start();
    }

    private static void startMessage(MilterClient mta) {
        mta.negotiate(OFFER);
        mta.send(CLIENT);
        mta.send(new Command.Helo("client.example"));
        mta.send(new Command.MailFrom("<a@example.org>", List.of()));
        mta.send(new Command.Recipient("<b@example.org>", List.of()));
        mta.send(new Command.Data());
        mta.send(new Command.EndOfHeaders());
        mta.body(ByteBuffer.wrap("hello\r\n".getBytes()));
    }

    @Test
    void aSessionRunningAtShutdownFinishesItsMessageWhileNewConnectionsAreRefused() throws Exception {
        try (FakeMilter child = FakeMilter.builder().reply(Stage.EOM, FakeReply.CONTINUE.after(Duration.ofMillis(500)))
                .start();
             MilterManager manager = manager(ChildConfig.of("child", child.connectionSpec()))) {
            ConnectionSpec spec = manager.localSpec();
            try (MilterClient running = mta(spec)) {
                startMessage(running);
                CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(
                        () -> manager.shutdown(Duration.ofSeconds(20)));
                awaitRefused(spec);
                assertEquals(Status.CONTINUE, Status.of(running.endOfMessage().decision()),
                        "the message in flight gets its child's answer");
                assertFalse(shutdown.isDone(), "the session is still open");
                running.quit();
                assertTrue(shutdown.get(10, TimeUnit.SECONDS), "every session finished on its own");
                // A probe of awaitRefused may have been accepted as a session before the listener closed, or have
                // connected into the kernel's backlog and never become one: only "all that started, finished" holds.
                assertTrue(manager.statistics().sessionsFinished() >= 1);
                assertEquals(manager.statistics().sessionsStarted(), manager.statistics().sessionsFinished(),
                        "every session that started has finished");
            }
        }
    }

    @Test
    void pastTheGracePeriodAnMtaWaitingForAnAnswerGetsTheChildsFallbackThenItsConnectionCloses() throws Exception {
        try (FakeMilter child = FakeMilter.builder().reply(Stage.EOM, FakeReply.CONTINUE.after(Duration.ofSeconds(60)))
                .start();
             MilterManager manager = manager(ChildConfig.builder("child", child.connectionSpec())
                     .fallbackStatus(Status.TEMPORARY_FAILURE).build())) {
            try (MilterClient stuck = mta(manager.localSpec())) {
                startMessage(stuck);
                CompletableFuture<Status> answer = CompletableFuture.supplyAsync(
                        () -> Status.of(stuck.endOfMessage().decision()));
                child.takeSession(Duration.ofSeconds(5)).awaitCommand(Command.EndOfMessage.class, Duration.ofSeconds(5));
                assertFalse(manager.shutdown(Duration.ofMillis(300)), "the session did not finish on its own");
                assertEquals(Status.TEMPORARY_FAILURE, answer.get(5, TimeUnit.SECONDS),
                        "the child's fallback status is the answer");
                assertThrows(MilterClientException.class, () -> stuck.send(new Command.Helo("again")),
                        "then the connection is closed");
            }
        }
    }

    @Test
    void pastTheGracePeriodAnIdleSessionIsClosed() throws Exception {
        try (FakeMilter child = FakeMilter.builder().start();
             MilterManager manager = manager(ChildConfig.of("child", child.connectionSpec()))) {
            try (MilterClient idle = mta(manager.localSpec())) {
                idle.negotiate(OFFER);
                assertEquals(Status.CONTINUE, Status.of(idle.send(CLIENT)));
                assertFalse(manager.shutdown(Duration.ofMillis(200)));
                assertThrows(MilterClientException.class, () -> idle.send(new Command.Helo("client.example")));
            }
            assertEquals(0, manager.activeSessions());
        }
    }

    @Test
    void withNoSessionShutdownReturnsAtOnce() throws Exception {
        try (FakeMilter child = FakeMilter.builder().start();
             MilterManager manager = manager(ChildConfig.of("child", child.connectionSpec()))) {
            long start = System.nanoTime();
            assertTrue(manager.shutdown(Duration.ofMinutes(5)));
            assertTrue(System.nanoTime() - start < TimeUnit.MINUTES.toNanos(1), "it did not wait for the grace");
        }
    }

    /** Waits until connecting fails: the manager stopped accepting. */
    /** Probes until a connection is refused; returns how many probes were accepted before (each is a session). */
    private static void awaitRefused(ConnectionSpec spec) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try (MilterClient probe = MilterClient.connect(spec, ClientOptions.builder().name("probe")
                    .allTimeouts(Duration.ofSeconds(1)).build())) {
                Thread.sleep(20);
            } catch (MilterClientException refused) {
                return;
            }
        }
        throw new AssertionError("the manager still accepts connections during shutdown");
    }
}
