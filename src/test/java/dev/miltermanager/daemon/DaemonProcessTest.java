package dev.miltermanager.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.daemon.control.ControlClient;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeSession;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled main class as an administrator runs it: a real process reading a real configuration directory,
 * real sockets, SIGHUP to reload and SIGTERM to stop.
 */
class DaemonProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    void startsWithNoFileListensAnswersAsAMilterAndStopsOnSigterm() throws Exception {
        String spec = freeSpec();
        Path logPath = dir.resolve("milter-manager.log");
        Process daemon = start(List.of("--connection-spec", spec, "--log-path", logPath.toString()));
        try {
            awaitLog("listening on " + spec + " with", 1, daemon);
            try (MilterClient mta = mta(spec)) {
                mta.negotiate(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL));
                Response.Decision decision = mta.send(connect());
                assertEquals(new Response.Accept(), decision, "no child milter: every session is accepted");
                mta.quit();
            }
            String logged = Files.readString(logPath);
            assertTrue(logged.contains("INFO [config] no configuration file"), "log.path gets the log:\n" + logged);
            assertFalse(log().contains("[config]"), "and standard error does not:\n" + log());
        } finally {
            daemon.destroy();
        }
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon stops on SIGTERM");
        // the daemon handles SIGTERM itself (a graceful stop), so it exits 0 rather than the JVM's 128 + 15
        assertEquals(0, daemon.exitValue(), log());
    }

    @Test
    void readsItsChildrenFromTheConfigDirectoryAndReloadsThemOnSighup() throws Exception {
        try (FakeMilter first = FakeMilter.builder().start(); FakeMilter second = FakeMilter.builder().start()) {
            Path confDir = Files.createDirectories(dir.resolve("etc"));
            Path conf = confDir.resolve("milter-manager.conf");
            Path control = dir.resolve("control.sock");
            Files.writeString(conf, "controller.connection_spec = unix:" + control + "\n"
                    + "milter.first.connection_spec = " + first.connectionSpec() + "\n");
            String spec = freeSpec();
            Path pid = dir.resolve("milter-manager.pid");
            Process daemon = start(List.of("-c", confDir.toString(), "-s", spec, "--pid-file", pid.toString()));
            try {
                awaitLog("listening on " + spec + " with 1 child milter(s): first=" + first.connectionSpec(), 1,
                        daemon);
                assertEquals(Long.toString(daemon.pid()), Files.readString(pid).strip(), "pid file written");
                assertTrue(log().contains("[config][milter] first = " + first.connectionSpec() + ": from " + conf
                        + ":2"), log());
                session(spec);
                assertConnected(first.takeSession(WAIT));

                Files.writeString(conf, "milter.second.connection_spec = " + second.connectionSpec() + "\n",
                        java.nio.file.StandardOpenOption.APPEND);
                hangUp(daemon);
                awaitLog("[config] reloaded", 1, daemon);
                session(spec);
                assertConnected(first.takeSession(WAIT));
                assertConnected(second.takeSession(WAIT));

                Files.writeString(conf, "milter.third.enabled = perhaps\n", java.nio.file.StandardOpenOption.APPEND);
                hangUp(daemon);
                awaitLog("[config][reload][error] " + conf + ":4: milter.third.enabled = perhaps: expected true or "
                        + "false", 1, daemon);
                assertTrue(log().contains("keeping the running configuration"), log());
                ByteArrayOutputStream reply = new ByteArrayOutputStream();
                assertEquals(1, ControlClient.run(new String[] {"reload", "--control-spec", "unix:" + control},
                        new PrintStream(reply, true, StandardCharsets.UTF_8), new PrintStream(reply, true,
                        StandardCharsets.UTF_8)), "ctl reload of a bad file fails");
                assertTrue(reply.toString(StandardCharsets.UTF_8).contains(conf + ":4: milter.third.enabled = perhaps"),
                        reply.toString(StandardCharsets.UTF_8));
                session(spec);
                assertConnected(first.takeSession(WAIT));
                assertConnected(second.takeSession(WAIT));
            } finally {
                daemon.destroy();
            }
            assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon stops on SIGTERM");
            assertFalse(Files.exists(pid), "the pid file is removed on exit");
            first.assertNoErrors();
            second.assertNoErrors();
        }
    }

    private static void assertConnected(FakeSession session) {
        assertEquals(List.of("client.example"), session.received(Stage.CONNECT).stream()
                .map(r -> ((Command.Connect) r.command()).hostname()).toList());
    }

    private static void session(String spec) throws Exception {
        try (MilterClient mta = mta(spec)) {
            mta.negotiate(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL));
            assertEquals(new Response.Continue(), mta.send(connect()));
            mta.quit();
        }
    }

    private static Command.Connect connect() {
        return new Command.Connect("client.example", Command.Family.INET, 40000, "192.0.2.7");
    }

    private static MilterClient mta(String spec) throws IOException {
        return MilterClient.connect(ConnectionSpec.parse(spec),
                ClientOptions.DEFAULTS.withName("daemon").toBuilder().allTimeouts(WAIT).build());
    }

    private static String freeSpec() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return "inet:" + probe.getLocalPort() + "@[127.0.0.1]";
        }
    }

    /** Starts the daemon with detection below an empty directory, so this machine's own milters do not count. */
    private Process start(List<String> args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile().toFile());
        pb.environment().put(CommandLine.DETECTION_ROOT_ENV, Files.createDirectories(dir.resolve("root")).toString());
        pb.environment().remove(CommandLine.CONFIG_DIR_ENV);
        return pb.start();
    }

    private static void hangUp(Process daemon) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -HUP");
    }

    private Path logFile() {
        return dir.resolve("daemon.log");
    }

    private String log() throws IOException {
        return Files.exists(logFile()) ? Files.readString(logFile()) : "";
    }

    /** Waits until {@code text} occurs {@code count} times in the daemon's output. */
    private void awaitLog(String text, int count, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (log().split(java.util.regex.Pattern.quote(text), -1).length - 1 >= count) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the daemon exited with " + process.exitValue() + ":\n" + log());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the daemon did not print '" + text + "' within 20 s:\n" + log());
    }
}
