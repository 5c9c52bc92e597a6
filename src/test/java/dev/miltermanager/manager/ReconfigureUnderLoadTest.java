package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.EndOfMessageResult;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeSession;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.ListenOptions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MilterManager#reconfigure} while MTA sessions run over the manager's socket: no session is lost, and each
 * sees exactly one configuration from its start to its end.
 */
class ReconfigureUnderLoadTest {
    private static final Command.Negotiate OFFER = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);
    private static final int SESSIONS = 240;
    private static final int CONCURRENT = 16;
    private static final int BODY_BYTES = 3000;

    /** One configuration of the rotation: its children in order, and a chunk size no other one uses. */
    private record Variant(List<String> children, int chunkSize) {
    }

    private static final List<Variant> VARIANTS = List.of(
            new Variant(List.of("a", "b"), 100),
            new Variant(List.of("a", "b", "c"), 300),
            new Variant(List.of("c", "a"), 700),
            new Variant(List.of("b", "c"), 1100),
            new Variant(List.of("c", "b", "a"), 1500));

    private static FakeMilter child(String name) throws Exception {
        // every child adds a header naming itself, so every later child is replayed the body in chunk_size pieces
        return FakeMilter.builder().actions(Action.ADD_HEADERS)
                .edits(new Response.AddHeader("X-Seen-By", name)).start();
    }

    private static MilterManagerConfig config(ConnectionSpec listen, Map<String, FakeMilter> children, Variant v) {
        MilterManagerConfig.Builder b = MilterManagerConfig.builder().connectionSpec(listen).chunkSize(v.chunkSize());
        v.children().forEach(name -> b.addChild(ChildConfig.of(name, children.get(name).connectionSpec())));
        return b.build();
    }

    @Test
    void reconfiguringRepeatedlyUnderLoadLosesNoSessionAndEachSessionSeesOneConfiguration() throws Exception {
        Map<String, FakeMilter> children = new LinkedHashMap<>();
        for (String name : List.of("a", "b", "c")) {
            children.put(name, child(name));
        }
        ConnectionSpec listen = ConnectionSpec.parse("inet:0@[127.0.0.1]");
        Map<String, List<String>> headersSeenByMta = new ConcurrentHashMap<>();
        AtomicInteger reconfigurations = new AtomicInteger();
        try (MilterManager manager = MilterManager.create(config(listen, children, VARIANTS.getFirst())).start();
             ExecutorService mtas = Executors.newFixedThreadPool(CONCURRENT)) {
            ConnectionSpec spec = manager.localSpec();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Throwable> reloadFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread reloader = Thread.ofPlatform().start(() -> {
                int i = 0;
                while (running.get()) {
                    Variant v = VARIANTS.get(++i % VARIANTS.size());
                    try {
                        manager.reconfigure(config(listen, children, v));
                        reconfigurations.incrementAndGet();
                        Thread.sleep(3);
                    } catch (Exception | AssertionError e) {
                        reloadFailures.add(e);
                        return;
                    }
                }
            });
            List<Future<?>> runs = new ArrayList<>();
            for (int n = 0; n < SESSIONS; n++) {
                String id = "s" + n;
                runs.add(mtas.submit(() -> headersSeenByMta.put(id, oneSession(spec, id))));
            }
            for (Future<?> run : runs) {
                run.get();   // a lost session fails here with the MTA's error
            }
            running.set(false);
            reloader.join();
            assertEquals(List.of(), reloadFailures);
            assertEquals(SESSIONS, manager.statistics().sessionsStarted());
        }
        assertTrue(reconfigurations.get() > 20, "reconfigured only " + reconfigurations.get() + " times");
        Map<String, Map<String, FakeSession>> byChild = new LinkedHashMap<>();
        children.forEach((name, fake) -> {
            fake.assertNoErrors();
            Map<String, FakeSession> sessions = new LinkedHashMap<>();
            for (FakeSession s : fake.sessions()) {
                s.commands(Command.Connect.class).forEach(c -> sessions.put(c.hostname(), s));
            }
            byChild.put(name, sessions);
            fake.close();
        });
        int variantsSeen = 0;
        boolean[] seen = new boolean[VARIANTS.size()];
        for (int n = 0; n < SESSIONS; n++) {
            String id = "s" + n;
            List<String> order = headersSeenByMta.get(id);
            Variant v = VARIANTS.stream().filter(x -> x.children().equals(order)).findFirst()
                    .orElseThrow(() -> new AssertionError(id + ": the MTA got the headers of " + order
                            + ", which no configuration has"));
            seen[VARIANTS.indexOf(v)] = true;
            for (String name : children.keySet()) {
                FakeSession s = byChild.get(name).get(id);
                assertEquals(v.children().contains(name), s != null, id + " at " + name + " under " + v);
                if (s != null && !name.equals(v.children().getFirst())) {
                    List<Integer> sizes = s.commands(Command.Body.class).stream().map(b -> b.chunk().remaining())
                            .toList();
                    int full = BODY_BYTES / v.chunkSize();
                    for (int i = 0; i < full; i++) {
                        assertEquals(v.chunkSize(), sizes.get(i), id + " replayed to " + name + " under " + v
                                + ": chunks " + sizes);
                    }
                }
            }
        }
        for (boolean b : seen) {
            variantsSeen += b ? 1 : 0;
        }
        assertTrue(variantsSeen >= 3, "the sessions saw only " + variantsSeen + " configurations");
    }

    /** One SMTP session with one message; returns the X-Seen-By headers the MTA was asked to add, in order. */
    private static List<String> oneSession(ConnectionSpec manager, String id) {
        try (MilterClient mta = MilterClient.connect(manager, ClientOptions.builder().name("mta")
                .allTimeouts(Duration.ofSeconds(20)).build())) {
            mta.negotiate(OFFER);
            assertEquals(Status.CONTINUE, Status.of(mta.send(new Command.Connect(id, Command.Family.INET, 4000,
                    "192.0.2.1"))));
            mta.send(new Command.Helo(id));
            mta.send(new Command.MailFrom("<a@example.org>", List.of()));
            mta.send(new Command.Recipient("<b@example.org>", List.of()));
            mta.send(new Command.Data());
            mta.send(new Command.Header("Subject", id));
            mta.send(new Command.EndOfHeaders());
            mta.body(ByteBuffer.wrap(new byte[BODY_BYTES]));
            EndOfMessageResult result = mta.endOfMessage();
            assertEquals(Status.CONTINUE, Status.of(result.decision()), id);
            mta.quit();
            return result.modifications(Response.AddHeader.class).stream().map(Response.AddHeader::value).toList();
        }
    }

    @Test
    void movingTheSocketOpensTheNewOneFirstAndLetsSessionsOnTheOldOneFinish(@TempDir Path dir) throws Exception {
        try (FakeMilter a = child("a")) {
            ConnectionSpec first = ConnectionSpec.unix(dir.resolve("first.sock"));
            ConnectionSpec second = ConnectionSpec.unix(dir.resolve("second.sock"));
            MilterManagerConfig one = MilterManagerConfig.builder().connectionSpec(first)
                    .addChild(ChildConfig.of("a", a.connectionSpec())).build();
            try (MilterManager manager = MilterManager.create(one).start();
                 MilterClient old = MilterClient.connect(first, ClientOptions.builder().name("old")
                         .allTimeouts(Duration.ofSeconds(5)).build())) {
                old.negotiate(OFFER);
                manager.reconfigure(one.toBuilder().connectionSpec(second).build());
                assertEquals(second, manager.localSpec());
                assertFalse(dir.resolve("first.sock").toFile().exists(), "the old socket is closed and removed");
                assertEquals(Status.CONTINUE, Status.of(old.send(new Command.Connect("old", Command.Family.INET,
                        1, "192.0.2.1"))), "the session on the old socket goes on");
                old.quit();
                try (MilterClient fresh = MilterClient.connect(second, ClientOptions.builder().name("new")
                        .allTimeouts(Duration.ofSeconds(5)).build())) {
                    fresh.negotiate(OFFER);
                    assertEquals(Status.CONTINUE, Status.of(fresh.send(new Command.Connect("new",
                            Command.Family.INET, 1, "192.0.2.1"))));
                    fresh.quit();
                }
            }
        }
    }

    @Test
    void aSocketThatCannotBeOpenedLeavesTheRunningConfigurationInPlace(@TempDir Path dir) throws Exception {
        MilterManagerConfig one = MilterManagerConfig.builder().connectionSpec(ConnectionSpec.parse("inet:0@[127.0.0.1]"))
                .build();
        try (MilterManager manager = MilterManager.create(one).start()) {
            ConnectionSpec before = manager.localSpec();
            MilterManagerConfig broken = one.toBuilder()
                    .connectionSpec(ConnectionSpec.unix(dir.resolve("missing-dir").resolve("m.sock")))
                    .addChild(ChildConfig.of("x", ConnectionSpec.parse("inet:1@[127.0.0.1]"))).build();
            Exception e = assertThrows(java.io.IOException.class, () -> manager.reconfigure(broken));
            assertTrue(e.getMessage().contains("missing-dir"), e.getMessage());
            assertEquals(before, manager.localSpec());
            assertEquals(one, manager.config());
            assertTrue(manager.statistics().children().isEmpty());
        }
    }

    @Test
    void changingOnlyTheSocketModeIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
        MilterManagerConfig one = MilterManagerConfig.builder().connectionSpec(ConnectionSpec.unix(dir.resolve("m.sock")))
                .build();
        try (MilterManager manager = MilterManager.create(one).start()) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> manager.reconfigure(one.toBuilder()
                    .listenOptions(ListenOptions.DEFAULTS.withUnixSocketMode(0600)).build()));
            assertTrue(e.getMessage().contains("restart"), e.getMessage());
            assertEquals(one, manager.config());
        }
    }

    @Test
    void statisticsCarryOnAcrossAReconfiguration() throws Exception {
        try (FakeMilter a = child("a"); FakeMilter b = child("b")) {
            MilterManagerConfig one = MilterManagerConfig.builder().addChild(ChildConfig.of("a", a.connectionSpec()))
                    .build();
            try (MilterManager manager = MilterManager.create(one)) {
                runInProcess(manager);
                manager.reconfigure(one.toBuilder().addChild(ChildConfig.of("b", b.connectionSpec())).build());
                runInProcess(manager);
                assertEquals(List.of("a", "b"), List.copyOf(manager.statistics().children().keySet()));
                assertEquals(2, manager.statistics().children().get("a").answers(Stage.CONNECT, Status.CONTINUE));
                assertEquals(1, manager.statistics().children().get("b").answers(Stage.CONNECT, Status.CONTINUE));
                assertTrue(manager.statistics().children().get("b").lastConnect().orElseThrow().reached());
                assertEquals(2, manager.statistics().sessionsFinished());
            }
        }
    }

    private static void runInProcess(MilterManager manager) {
        try (ManagerSession session = manager.openSession()) {
            session.handle(OFFER);
            session.handle(new Command.Connect("x", Command.Family.INET, 1, "192.0.2.1"));
            session.handle(new Command.Quit());
        }
    }
}
