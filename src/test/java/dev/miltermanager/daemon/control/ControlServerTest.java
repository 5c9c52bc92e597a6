package dev.miltermanager.daemon.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.ManagerSession;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control interface over real sockets, driven by the {@code ctl} client as an administrator would. */
class ControlServerTest {
    private static final Command.Negotiate OFFER = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);

    /** A handler whose answers the test sets and whose calls it counts. */
    private static class Recording implements ControlHandler {
        final AtomicReference<ControlReply> reloadReply = new AtomicReference<>(ControlReply.ok("reloaded"));
        final CountDownLatch stopped = new CountDownLatch(1);
        volatile int reloads;

        @Override
        public ControlReply reload() {
            reloads++;
            return reloadReply.get();
        }

        @Override
        public String configuration() {
            return "manager.connection_spec = inet:10025@[127.0.0.1]  # default\n";
        }

        @Override
        public void stop() {
            stopped.countDown();
        }
    }

    private record Run(int status, String out, String err) {
    }

    private static Run ctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ControlClient.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void session(MilterManager manager) {
        try (ManagerSession session = manager.openSession()) {
            session.handle(OFFER);
            session.handle(new Command.Connect("client.example", Command.Family.INET, 4000, "192.0.2.1"));
            session.handle(new Command.Quit());
        }
    }

    private static int deadPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    @Test
    void statusOnAUnixSocketReportsSessionsAndWhetherEachChildIsReachable(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("control.sock");
        try (FakeMilter good = FakeMilter.builder().start();
             MilterManager manager = MilterManager.create(MilterManagerConfig.builder()
                     .addChild(ChildConfig.of("good", good.connectionSpec()))
                     .addChild(ChildConfig.builder("gone", ConnectionSpec.parse("inet:" + deadPort() + "@[127.0.0.1]"))
                             .connectionTimeout(Duration.ofSeconds(2)).build()).build());
             ControlServer control = ControlServer.start(ControlOptions.unix(socket), manager, new Recording())) {
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)),
                    "controller.unix_socket_mode defaults to 0660");
            session(manager);
            session(manager);
            Run run = ctl("status", "--control-spec", "unix:" + socket);
            assertEquals(0, run.status(), run.err());
            String status = run.out();
            assertTrue(status.contains("sessions: 0 open, 2 started, 2 finished\n"), status);
            assertTrue(status.contains("milters: 2 configured, 2 enabled\n"), status);
            assertTrue(status.matches("(?s).*uptime: \\d\\d:\\d\\d:\\d\\d \\(since .*"), status);
            String goodBlock = status.substring(status.indexOf("milter good:"), status.indexOf("milter gone:"));
            assertTrue(goodBlock.contains("reachable: yes"), goodBlock);
            assertTrue(goodBlock.contains("answers: continue 2"), goodBlock);
            assertTrue(goodBlock.contains("mean-latency: connect "), goodBlock);
            String goneBlock = status.substring(status.indexOf("milter gone:"));
            assertTrue(goneBlock.contains("reachable: no"), goneBlock);
            assertTrue(goneBlock.contains("connect-failures: 2"), goneBlock);
        }
        assertFalse(Files.exists(socket), "the control socket is removed on close");
    }

    @Test
    void reloadReturnsWhatTheDaemonSaysAndAFailureExitsNonZero(@TempDir Path dir) throws Exception {
        Recording handler = new Recording();
        Path socket = dir.resolve("control.sock");
        try (MilterManager manager = MilterManager.create(MilterManagerConfig.builder().build());
             ControlServer control = ControlServer.start(ControlOptions.unix(socket), manager, handler)) {
            String spec = "--control-spec=unix:" + socket;
            Run ok = ctl("reload", spec);
            assertEquals(new Run(0, "reloaded\n", ""), ok);
            handler.reloadReply.set(ControlReply.error("/etc/milter-manager/milter-manager.conf:3: manager.chunk_size"
                    + " = big: expected a number from 1 to 65535"));
            Run failed = ctl("reload", spec);
            assertEquals(1, failed.status());
            assertTrue(failed.err().contains("milter-manager.conf:3: manager.chunk_size"), failed.err());
            assertEquals(2, handler.reloads);
        }
    }

    @Test
    void aReloadThatReconfiguresTheManagerSendsNewSessionsThroughTheAddedChild(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("control.sock");
        try (FakeMilter first = FakeMilter.builder().start(); FakeMilter second = FakeMilter.builder().start();
             MilterManager manager = MilterManager.create(MilterManagerConfig.builder()
                     .addChild(ChildConfig.of("first", first.connectionSpec())).build())) {
            ControlHandler daemon = new Recording() {
                @Override
                public ControlReply reload() {
                    try {
                        manager.reconfigure(manager.config().toBuilder()
                                .addChild(ChildConfig.of("second", second.connectionSpec())).build());
                        return ControlReply.ok("2 child milters");
                    } catch (IOException e) {
                        return ControlReply.error(e.getMessage());
                    }
                }
            };
            try (ControlServer control = ControlServer.start(ControlOptions.unix(socket), manager, daemon)) {
                session(manager);
                assertEquals(0, second.sessions().size());
                assertEquals(0, ctl("reload", "--control-spec", "unix:" + socket).status());
                session(manager);
                assertEquals(2, first.sessions().size());
                assertEquals(1, second.sessions().size());
                String status = ctl("status", "--control-spec", "unix:" + socket).out();
                assertTrue(status.contains("milter second:"), status);
            }
        }
    }

    @Test
    void stopAnswersThenAsksTheDaemonToStop(@TempDir Path dir) throws Exception {
        Recording handler = new Recording();
        Path socket = dir.resolve("control.sock");
        try (MilterManager manager = MilterManager.create(MilterManagerConfig.builder().build());
             ControlServer control = ControlServer.start(ControlOptions.unix(socket), manager, handler)) {
            Run run = ctl("stop", "--control-spec", "unix:" + socket);
            assertEquals(0, run.status(), run.err());
            assertTrue(run.out().startsWith("stopping"), run.out());
            assertTrue(handler.stopped.await(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void getConfigurationPrintsTheDaemonsText(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("control.sock");
        try (MilterManager manager = MilterManager.create(MilterManagerConfig.builder().build());
             ControlServer control = ControlServer.start(ControlOptions.unix(socket), manager, new Recording())) {
            assertEquals(new Run(0, "manager.connection_spec = inet:10025@[127.0.0.1]  # default\n", ""),
                    ctl("get-configuration", "--control-spec", "unix:" + socket));
            Run unknown = ctl("restart", "--control-spec", "unix:" + socket);
            assertEquals(1, unknown.status());
            assertTrue(unknown.err().contains("unknown command 'restart'"), unknown.err());
        }
    }

    @Test
    void overTcpTheClientMustPresentTheTokenFromAFileOnlyItsOwnerReads(@TempDir Path dir) throws Exception {
        Path tokenFile = dir.resolve("control.token");
        try (MilterManager manager = MilterManager.create(MilterManagerConfig.builder().build());
             ControlServer control = ControlServer.start(ControlOptions.tcp(ConnectionSpec.parse("inet:0@[127.0.0.1]"),
                     tokenFile), manager, new Recording())) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
            assertEquals(64, TokenFile.read(tokenFile).length());
            ConnectionSpec spec = control.localSpec();
            ControlReply none = ControlClient.send(spec, Optional.empty(), "status");
            assertFalse(none.ok());
            assertTrue(none.text().contains("needs a token"), none.text());
            Path wrong = dir.resolve("wrong.token");
            Files.writeString(wrong, "0".repeat(64));
            ControlReply bad = ControlClient.send(spec, Optional.of(wrong), "status");
            assertEquals(ControlReply.error("wrong token\n"), bad);
            Run good = ctl("status", "--control-spec", spec.toString(), "--token-file", tokenFile.toString());
            assertEquals(0, good.status(), good.err());
            assertTrue(good.out().contains("sessions: 0 open"), good.out());
        }
        assertFalse(Files.exists(tokenFile), "the token file is removed on close");
    }

    @Test
    void aTcpControlSocketMustBeOnLoopbackAndHaveATokenFile(@TempDir Path dir) throws Exception {
        try (MilterManager manager = MilterManager.create(MilterManagerConfig.builder().build())) {
            IllegalArgumentException open = assertThrows(IllegalArgumentException.class, () -> ControlServer.start(
                    ControlOptions.tcp(ConnectionSpec.parse("inet:0@[0.0.0.0]"), dir.resolve("t")), manager,
                    new Recording()));
            assertTrue(open.getMessage().contains("loopback"), open.getMessage());
            IllegalArgumentException noToken = assertThrows(IllegalArgumentException.class, () -> ControlServer.start(
                    new ControlOptions(ConnectionSpec.parse("inet:0@[127.0.0.1]"),
                            dev.miltermanager.transport.ListenOptions.DEFAULTS, Optional.empty()),
                    manager, new Recording()));
            assertTrue(noToken.getMessage().contains("controller.token_file"), noToken.getMessage());
        }
    }

    @Test
    void theClientSaysWhatIsWrongWithItsCommandLineOrTheSocket(@TempDir Path dir) {
        assertEquals(2, ctl().status());
        assertTrue(ctl().err().contains("no command given"));
        assertEquals(2, ctl("status", "--control-spec", "bogus:1").status());
        Run unreachable = ctl("status", "--control-spec", "unix:" + dir.resolve("none.sock"));
        assertEquals(1, unreachable.status());
        assertTrue(unreachable.err().contains("cannot reach the control interface at unix:"), unreachable.err());
        assertTrue(ctl("--help").out().contains("get-configuration"));
        assertEquals(List.of("status", "reload", "stop", "get-configuration"), ControlProtocol.COMMANDS);
    }
}
