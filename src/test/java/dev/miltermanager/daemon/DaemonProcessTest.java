package dev.miltermanager.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled main class as an administrator runs it: a real process, a real socket, SIGTERM to stop. */
class DaemonProcessTest {

    @Test
    void startsWithNoFileListensAnswersAsAMilterAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String spec = "inet:" + port + "@[127.0.0.1]";
        Path log = dir.resolve("daemon.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process daemon = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "--connection-spec", spec).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            awaitLine(log, "listening on " + spec, daemon);
            try (MilterClient mta = MilterClient.connect(ConnectionSpec.parse(spec),
                    ClientOptions.DEFAULTS.withName("daemon").toBuilder().allTimeouts(Duration.ofSeconds(5)).build())) {
                mta.negotiate(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL));
                Response.Decision decision = mta.send(new Command.Connect("client.example", Command.Family.INET,
                        40000, "192.0.2.7"));
                assertEquals(new Response.Accept(), decision, "no child milter: every session is accepted");
                mta.quit();
            }
        } finally {
            daemon.destroy();
        }
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon stops on SIGTERM");
        // the JVM reports a SIGTERM-initiated exit as 128 + 15 once the shutdown hook has run
        assertTrue(daemon.exitValue() == 143 || daemon.exitValue() == 0, Files.readString(log));
    }

    @Test
    void badArgumentsGiveUsageAndExitStatus2() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"--frobnicate"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option '--frobnicate'"), err.toString());
    }

    @Test
    void aBadConnectionSpecNamesTheSpec() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"-s", "inet:notaport"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("inet:notaport"), err.toString());
    }

    @Test
    void helpListsTheOptions() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream())));
        for (String option : List.of("--connection-spec", "--milter", "--log-level", "--version")) {
            assertTrue(out.toString(StandardCharsets.UTF_8).contains(option), option);
        }
    }

    private static void awaitLine(Path log, String text, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the daemon exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the daemon did not print '" + text + "' within 20 s:\n" + Files.readString(log));
    }
}
