package dev.miltermanager.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.daemon.control.ControlClient;
import dev.miltermanager.daemon.control.ControlOptions;
import dev.miltermanager.daemon.control.ControlReply;
import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's life through its control interface: reload, status, a bad reload, stop. */
class DaemonLifecycleTest {
    private static final Command.Negotiate OFFER = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);

    private static void mtaSession(ConnectionSpec manager) {
        try (MilterClient mta = MilterClient.connect(manager, ClientOptions.builder().name("mta")
                .allTimeouts(Duration.ofSeconds(5)).build())) {
            mta.negotiate(OFFER);
            mta.send(new Command.Connect("client.example", Command.Family.INET, 4000, "192.0.2.1"));
            mta.quit();
        }
    }

    private static ControlReply ctl(Path socket, String command) throws IOException {
        return ControlClient.send(ConnectionSpec.unix(socket), Optional.empty(), command);
    }

    @Test
    void reloadAddsAChildForNewSessionsABadReloadKeepsTheRunningOneAndStopShutsDown(@TempDir Path dir)
            throws Exception {
        Path socket = dir.resolve("control.sock");
        try (FakeMilter first = FakeMilter.builder().start(); FakeMilter second = FakeMilter.builder().start()) {
            MilterManagerConfig one = MilterManagerConfig.builder()
                    .connectionSpec(ConnectionSpec.parse("inet:0@[127.0.0.1]"))
                    .addChild(ChildConfig.of("first", first.connectionSpec())).build();
            MilterManager manager = MilterManager.create(one).start();
            boolean[] broken = {false};
            DaemonLifecycle life = new DaemonLifecycle(manager, Duration.ofSeconds(10), () -> {
                if (broken[0]) {
                    return ControlReply.error("milter-manager.conf:7: milter.second.connection_spec = nowhere:"
                            + " expected a connection spec");
                }
                try {
                    manager.reconfigure(one.toBuilder().addChild(ChildConfig.of("second", second.connectionSpec()))
                            .build());
                    return ControlReply.ok("2 child milters");
                } catch (IOException e) {
                    return ControlReply.error(e.getMessage());
                }
            }, () -> "milter.first.connection_spec = " + first.connectionSpec() + "\n");
            life.startControl(ControlOptions.unix(socket));
            CompletableFuture<Boolean> lifetime = CompletableFuture.supplyAsync(() -> {
                try {
                    return life.awaitStopAndShutdown();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            ConnectionSpec spec = manager.localSpec();
            mtaSession(spec);
            assertEquals(ControlReply.ok("2 child milters\n"), ctl(socket, "reload"));
            mtaSession(spec);
            assertEquals(2, first.sessions().size());
            assertEquals(1, second.sessions().size(), "new sessions go through the added child");
            broken[0] = true;
            ControlReply bad = ctl(socket, "reload");
            assertFalse(bad.ok());
            assertTrue(bad.text().contains("milter-manager.conf:7"), bad.text());
            assertEquals(2, manager.config().children().size(), "the running configuration is kept");
            assertTrue(ctl(socket, "get-configuration").text().startsWith("milter.first.connection_spec"));
            assertTrue(ctl(socket, "status").text().contains("sessions: 0 open, 2 started, 2 finished"));
            assertFalse(lifetime.isDone());
            assertTrue(ctl(socket, "stop").ok());
            assertTrue(lifetime.get(10, TimeUnit.SECONDS), "no session was open: all finished");
            assertFalse(Files.exists(socket), "the control socket is closed with the daemon");
            assertThrows(IllegalStateException.class, manager::openSession, "the manager is closed");
        }
    }
}
