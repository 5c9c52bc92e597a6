package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The connection check ({@code manager.connection_check_interval}): while a session waits for its children, the
 * manager asks the checker whether the SMTP client is still there; once it is not, the wait ends at once, and the
 * event and every later one are answered {@code fallback_status_at_disconnect}.
 */
class ConnectionCheckScenarioTest {
    private static final Duration INTERVAL = Duration.ofMillis(50);
    /** Far longer than the test waits: only the check can end the wait. */
    private static final Duration LONG = Duration.ofSeconds(30);

    /** A checker that reports the client gone once told to, and remembers what it was asked with. */
    private static final class FakeChecker implements ConnectionChecker {
        final AtomicBoolean gone = new AtomicBoolean();
        final ConcurrentLinkedQueue<Map<String, String>> askedWith = new ConcurrentLinkedQueue<>();
        volatile Command.Connect connect;

        @Override
        public boolean isConnected(Command.Connect c, Map<String, String> connectMacros) {
            connect = c;
            askedWith.add(connectMacros);
            return !gone.get();
        }
    }

    private static FakeChain chain(FakeChecker checker, FakeMilter.Builder first, Status atDisconnect)
            throws Exception {
        return FakeChain.builder()
                .child(first, c -> c.allTimeouts(LONG))
                .child(FakeMilter.builder().edits(new Response.AddHeader("X-2", "2")), c -> c.allTimeouts(LONG))
                .config(c -> c.connectionCheck(INTERVAL, checker).fallbackStatusAtDisconnect(atDisconnect))
                .start();
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void clientGoneDuringEndOfMessageEndsTheWaitWithTheStatusAtDisconnect() throws Exception {
        FakeChecker checker = new FakeChecker();
        try (FakeChain chain = chain(checker, FakeMilter.builder().reply(Stage.EOM, FakeReply.SILENCE),
                Status.TEMPORARY_FAILURE)) {
            chain.envelope(Map.of("{daemon_addr}", "192.0.2.1", "{daemon_port}", "25"));
            chain.headers("Subject", "long scan");
            chain.body("Hi\r\n");
            Thread.ofVirtual().start(() -> {
                sleep(Duration.ofMillis(300));
                checker.gone.set(true);
            });
            long start = System.nanoTime();
            assertEquals(List.of(List.of(new Response.TempFail())), chain.endOfMessage());
            long millis = millisSince(start);
            assertTrue(millis >= 250 && millis < 5_000, "took " + millis + " ms");
            // the child behind the hanging one never got the message's end
            assertEquals(List.of(), chain.child(1).commands(Command.EndOfMessage.class));
            // the rest of the session: the same answer, the children no longer asked
            assertEquals(List.of(new Response.TempFail()), chain.answer(new Command.MailFrom("<a@example.org>")));
            assertEquals(1, chain.child(1).commands(Command.MailFrom.class).size());
            assertEquals("192.0.2.10", checker.connect.address());
            assertEquals(41000, checker.connect.port());
            assertEquals("25", checker.askedWith.peek().get("{daemon_port}"));
        }
    }

    @Test
    void theStatusAtDisconnectIsConfigurable() throws Exception {
        FakeChecker checker = new FakeChecker();
        try (FakeChain chain = chain(checker, FakeMilter.builder().reply(Stage.RCPT, FakeReply.SILENCE),
                Status.REJECT)) {
            chain.negotiate();
            chain.greet(Map.of());
            chain.expectContinue(new Command.MailFrom("<alice@example.org>"));
            checker.gone.set(true);
            long start = System.nanoTime();
            assertEquals(List.of(new Response.Reject()), chain.answer(new Command.Recipient("<bob@example.net>")));
            assertTrue(millisSince(start) < 5_000);
            assertEquals(List.of(new Response.Reject()), chain.answer(new Command.Data()));
        }
    }

    @Test
    void aClientStillConnectedChangesNothing() throws Exception {
        FakeChecker checker = new FakeChecker();
        try (FakeChain chain = chain(checker,
                FakeMilter.builder().reply(Stage.EOM, FakeReply.of(new Response.Continue()).after(Duration.ofMillis(300))),
                Status.TEMPORARY_FAILURE)) {
            chain.envelope();
            chain.headers("Subject", "short scan");
            chain.body("Hi\r\n");
            assertEquals(List.of(List.of(new Response.AddHeader("X-2", "2"), new Response.Continue())),
                    chain.endOfMessage());
            assertTrue(!checker.askedWith.isEmpty(), "the checker was asked during the wait");
        }
    }

    @Test
    void anIdleSessionIsNotChecked() throws Exception {
        FakeChecker checker = new FakeChecker();
        try (FakeChain chain = chain(checker, FakeMilter.builder(), Status.TEMPORARY_FAILURE)) {
            chain.envelope();
            checker.gone.set(true);
            sleep(INTERVAL.multipliedBy(4)); // between commands: the MTA, not the manager, is waiting
            checker.gone.set(false);
            chain.headers("Subject", "quick");
            chain.body("Hi\r\n");
            assertEquals(List.of(List.of(new Response.AddHeader("X-2", "2"), new Response.Continue())),
                    chain.endOfMessage());
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
