package dev.miltermanager.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RobustnessTest {
    private static final HexFormat HEX = HexFormat.ofDelimiter(":");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "00:00:00:06:48:6e:6f:2d:6e:75",   // H "no-nu": HELO name without its NUL
        "7f:ff:ff:ff:42",                  // B announcing 2 GiB
        "00:01:00:01:42",                  // B announcing 65535 + 1 data bytes
        "00:00:00:01:5a",                  // Z: no such command
        "00:00:00:00",                     // length 0: not even a code
        "00:00:00:05:43:00:34:00:19",      // C for family 4 without its address
    })
    void badInputClosesOnlyThatConnection(String wireBytes) {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults())) {
            MtaDriver good = f.connectAndHelo();
            MtaDriver bad = f.connectAndHelo();
            bad.sendRaw(ByteBuffer.wrap(HEX.parseHex(wireBytes)));
            bad.assertClosedByMilter();
            assertEquals(Verdict.CONTINUE, good.ask(StateMachineTest.M));
            assertEquals(Verdict.CONTINUE, f.connectAndHelo().ask(StateMachineTest.M));
        }
    }

    @Test
    void aThrowingCallbackIsAnsweredTempfailAndTheConnectionGoesOn() {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults())) {
            MtaDriver mta = f.connectAndHelo();
            mta.ask(StateMachineTest.M);
            f.script.answer = e -> {
                throw new IllegalStateException("database down");
            };
            assertEquals(Verdict.TEMPFAIL, mta.ask(StateMachineTest.R));
            f.script.answer = e -> null;
            assertEquals(Verdict.TEMPFAIL, mta.ask(StateMachineTest.R), "null counts as a failure");
            f.script.answer = e -> Verdict.CONTINUE;
            assertEquals(Verdict.CONTINUE, mta.ask(StateMachineTest.R));
            assertEquals(Verdict.CONTINUE, mta.ask(StateMachineTest.E));
        }
    }

    @Test
    void theFailureVerdictIsConfigurable() {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults(),
                b -> b.callbackFailureVerdict(Verdict.CONTINUE))) {
            f.script.answer = e -> {
                throw new IllegalStateException("bug");
            };
            MtaDriver mta = f.connectPostfixLike();
            assertEquals(Verdict.CONTINUE, mta.ask(StateMachineTest.C));
        }
        assertThrows(IllegalArgumentException.class, () -> MilterServer.builder(ServerFixture.LOOPBACK,
                MilterSpec.defaults(), c -> new Milter() { }).callbackFailureVerdict(Verdict.SKIP));
    }

    @Test
    void throwingAbortAndCloseCallbacksAreContained() {
        AtomicInteger made = new AtomicInteger();
        MilterFactory factory = c -> {
            made.incrementAndGet();
            return new Milter() {
                @Override
                public void abort() {
                    throw new IllegalStateException("abort bug");
                }

                @Override
                public void close() {
                    throw new IllegalStateException("close bug");
                }
            };
        };
        RecordingWire wire = RecordingWire.run(MilterSpec.defaults(), factory, StateMachineTest.O, StateMachineTest.C,
                StateMachineTest.M, StateMachineTest.A, StateMachineTest.M, StateMachineTest.K, StateMachineTest.C,
                StateMachineTest.Q);
        assertEquals(5, wire.writes().size());
        assertEquals(2, made.get());
    }

    @Test
    void aFailingFactoryClosesThatConnectionOnly() {
        AtomicInteger calls = new AtomicInteger();
        MilterFactory factory = c -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("cannot make a milter");
            }
            return new Milter() { };
        };
        try (MilterServer server = MilterServer.create(ServerFixture.LOOPBACK, MilterSpec.defaults(), factory)
                .start()) {
            try (MtaDriver first = MtaDriver.connect(server.boundSpec().toSocketAddress())) {
                first.negotiate(6, Action.ALL, ProtocolFlag.ALL);
                first.send(StateMachineTest.C);
                first.assertClosedByMilter();
            }
            try (MtaDriver second = MtaDriver.connect(server.boundSpec().toSocketAddress())) {
                second.negotiate(6, Action.ALL, ProtocolFlag.ALL);
                assertEquals(Verdict.CONTINUE, second.ask(StateMachineTest.C));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void twoHundredConcurrentConnectionsEachGetTheirOwnMilter() throws Exception {
        int n = 200;
        try (ServerFixture f = new ServerFixture(MilterSpec.builder().actions(Action.ADD_HEADERS).build());
                ExecutorService mtas = Executors.newVirtualThreadPerTaskExecutor()) {
            f.script.endOfMessage = (editor, e) -> {
                editor.addHeader("X-Instance", Integer.toString(e.instance()));
                return Verdict.CONTINUE;
            };
            CountDownLatch allConnected = new CountDownLatch(n);
            List<Future<Response>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(mtas.submit(() -> {
                    try (MtaDriver mta = f.connectAndHelo()) {
                        allConnected.countDown();
                        allConnected.await(30, TimeUnit.SECONDS);
                        mta.ask(StateMachineTest.M);
                        mta.ask(StateMachineTest.R);
                        mta.send(StateMachineTest.E);
                        Response header = mta.next();
                        mta.next();
                        mta.send(StateMachineTest.Q);
                        mta.assertClosedByMilter();
                        return header;
                    }
                }));
            }
            List<String> instances = new ArrayList<>();
            for (Future<Response> r : results) {
                instances.add(((Response.AddHeader) r.get(60, TimeUnit.SECONDS)).value());
            }
            assertEquals(n, instances.stream().distinct().count(), "one milter per connection");
            assertEquals(n, f.script.instances.get());
            awaitNoSessions(f.server);
        }
    }

    @Test
    void closeWithLiveConnectionsReturnsPromptlyAndClosesEveryMilter() {
        ServerFixture f = new ServerFixture(MilterSpec.defaults());
        List<MtaDriver> mtas = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            MtaDriver mta = f.connectAndHelo();
            mta.ask(StateMachineTest.M);
            mtas.add(mta);
        }
        assertEquals(20, f.server.activeSessions());
        long start = System.nanoTime();
        f.server.close();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "close took " + took);
        assertEquals(0, f.server.activeSessions());
        mtas.forEach(MtaDriver::assertClosedByMilter);
        long aborts = f.script.events.stream().filter(e -> e.name().equals("abort")).count();
        long closes = f.script.events.stream().filter(e -> e.name().equals("close")).count();
        assertEquals(20, aborts);
        assertEquals(20, closes);
        f.close();
    }

    @Test
    void closeIsBoundedEvenWhenACallbackDoesNotReturn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults(),
                b -> b.closeTimeout(Duration.ofMillis(300)))) {
            f.script.answer = e -> {
                try {
                    release.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                return Verdict.CONTINUE;
            };
            MtaDriver mta = f.connectPostfixLike();
            mta.send(StateMachineTest.C);
            f.script.next();
            long start = System.nanoTime();
            f.server.close();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "close took " + took);
            release.countDown();
            awaitNoSessions(f.server);
        }
    }

    @Test
    void shutdownWaitsForConnectionsToEndOnTheirOwn() throws Exception {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults());
                ExecutorService background = Executors.newVirtualThreadPerTaskExecutor()) {
            MtaDriver mta = f.connectAndHelo();
            Future<Boolean> drained = background.submit(() -> f.server.shutdown(Duration.ofSeconds(10)));
            Thread.sleep(200);
            assertFalse(drained.isDone(), "shutdown must wait for the live connection");
            assertThrows(java.io.IOException.class, () -> MtaDriver.connect(f.server.boundSpec().toSocketAddress())
                    .negotiate(6, 0, 0), "no longer accepting");
            assertEquals(Verdict.CONTINUE, mta.ask(StateMachineTest.M), "the live connection still works");
            mta.send(StateMachineTest.Q);
            assertTrue(drained.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void shutdownGivesUpAfterTheGraceAndCloses() {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults())) {
            MtaDriver mta = f.connectAndHelo();
            assertFalse(f.server.shutdown(Duration.ofMillis(200)));
            mta.assertClosedByMilter();
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIoTimeout() {
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults(), b -> b.ioTimeout(Duration.ofMillis(300)))) {
            MtaDriver mta = f.connectAndHelo();
            mta.assertClosedByMilter();
            assertEquals(List.of("connect", "helo", "close"), f.script.names(3));
        }
    }

    @Test
    void theInjectedThreadFactoryMakesEveryThread() {
        AtomicInteger made = new AtomicInteger();
        try (ServerFixture f = new ServerFixture(MilterSpec.defaults(), b -> b.threadFactory(r -> {
            made.incrementAndGet();
            return Thread.ofPlatform().daemon().unstarted(r);
        }))) {
            f.connectAndHelo();
            f.connectAndHelo();
            assertEquals(3, made.get(), "the acceptor and one per connection");
        }
    }

    @Test
    void lifecycleMisuseIsRefused() throws Exception {
        MilterServer server = MilterServer.create(ServerFixture.LOOPBACK, MilterSpec.defaults(), c -> new Milter() { });
        assertThrows(IllegalStateException.class, server::boundSpec);
        server.start();
        assertThrows(IllegalStateException.class, server::start);
        server.close();
        server.close();
        assertThrows(IllegalStateException.class, server::start);
    }

    static void awaitNoSessions(MilterServer server) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.activeSessions() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, server.activeSessions());
    }
}
