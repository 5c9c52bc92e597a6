package dev.miltermanager.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FakeMilterLifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void itListensOnALoopbackPortChosenByTheSystem() throws Exception {
        try (FakeMilter milter = FakeMilter.builder().start()) {
            ConnectionSpec.Inet spec = assertInstanceOf(ConnectionSpec.Inet.class, milter.connectionSpec());
            assertEquals(Optional.of("127.0.0.1"), spec.host());
            assertTrue(spec.port() > 0);
        }
    }

    @Test
    void itCanListenOnAUnixSocketInADirectory(@TempDir Path directory) throws Exception {
        Path socket;
        try (FakeMilter milter = FakeMilter.builder().unixSocketIn(directory).start()) {
            ConnectionSpec.Unix spec = assertInstanceOf(ConnectionSpec.Unix.class, milter.connectionSpec());
            socket = spec.path();
            assertEquals(directory, socket.getParent());
            try (RawMta mta = RawMta.connect(spec)) {
                mta.negotiate();
                assertEquals(new Response.Continue(), mta.exchange(Mail.CONNECT));
            }
            assertTrue(milter.takeSession(WAIT).peer().startsWith("unix:"));
        }
        assertFalse(Files.exists(socket), "the socket file goes away with the fake");
    }

    @Test
    void closeWithLiveConnectionsIsPromptAndHangsUpOnThem() throws Exception {
        FakeMilter milter = FakeMilter.builder().reply(Stage.MAIL, FakeReply.CONTINUE.after(Duration.ofHours(1)))
                .start();
        try (RawMta waiting = RawMta.connect(milter); RawMta idle = RawMta.connect(milter)) {
            waiting.negotiate();
            idle.negotiate();
            waiting.send(Mail.MAIL);
            milter.awaitConnections(2, WAIT).get(0).awaitCommand(Command.MailFrom.class, WAIT);
            long start = System.nanoTime();
            milter.close();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "close took " + took);
            waiting.assertClosedByFake();
            idle.assertClosedByFake();
            for (FakeSession session : milter.sessions()) {
                assertEquals(FakeSession.State.SHUTDOWN, session.state(), session.transcript());
            }
            assertEquals(List.of(), milter.sessions().get(0).errors(), "a shutdown is not an error");
        }
    }

    @Test
    void theRecordStaysReadableAfterCloseAndCloseIsIdempotent() throws Exception {
        FakeMilter milter = FakeMilter.builder().start();
        try (RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            mta.exchange(Mail.HELO);
        }
        milter.awaitConnections(1, WAIT).get(0).awaitEnd(WAIT);
        milter.close();
        milter.close();
        assertEquals(List.of(Mail.HELO), milter.sessions().get(0).commands(Command.Helo.class));
        assertEquals(FakeSession.State.MTA_CLOSED, milter.sessions().get(0).state());
    }

    @Test
    void aFakeStartsOnceAndHasNoSpecBeforeStarting() throws Exception {
        FakeMilter milter = FakeMilter.builder().build();
        assertThrows(IllegalStateException.class, milter::connectionSpec);
        milter.start();
        try {
            assertThrows(IllegalStateException.class, milter::start);
        } finally {
            milter.close();
        }
        assertThrows(IllegalStateException.class, milter::start);
    }

    @Test
    void connectionsRunOnThreadsFromTheGivenFactory() throws Exception {
        AtomicInteger made = new AtomicInteger();
        ThreadFactory counting = task -> {
            made.incrementAndGet();
            return Thread.ofVirtual().unstarted(task);
        };
        try (FakeMilter milter = FakeMilter.builder().threadFactory(counting).start();
             RawMta mta = RawMta.connect(milter)) {
            mta.negotiate();
            assertEquals(2, made.get(), "one to accept, one for the connection");
        }
    }

    @Test
    void oneBuilderCanBuildSeveralIndependentFakes() throws Exception {
        FakeMilter.Builder builder = FakeMilter.builder().reply(Stage.HELO, FakeReply.REJECT);
        try (FakeMilter one = builder.start(); FakeMilter two = builder.reply(Stage.HELO, FakeReply.ACCEPT).start();
             RawMta toOne = RawMta.connect(one); RawMta toTwo = RawMta.connect(two)) {
            toOne.negotiate();
            toTwo.negotiate();
            assertEquals(new Response.Reject(), toOne.exchange(Mail.HELO));
            assertEquals(new Response.Accept(), toTwo.exchange(Mail.HELO));
        }
    }
}
