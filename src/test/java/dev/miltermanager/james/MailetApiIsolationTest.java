package dev.miltermanager.james;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.ConnectionSpec;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Mailet API is an optional dependency: only this package uses it, and the daemon runs with nothing but our
 * own classes on the class path.
 */
class MailetApiIsolationTest {
    private static final List<String> JAMES_NAMES = List.of("org/apache/mailet/", "org/apache/james/", "jakarta/mail/");

    private static Path mainClasses() throws Exception {
        return Path.of(dev.miltermanager.daemon.Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void noClassOutsideTheJamesPackageRefersToTheMailetApiOrJakartaMail() throws Exception {
        Path classes = mainClasses();
        List<String> offenders;
        int checked;
        try (Stream<Path> files = Files.walk(classes)) {
            List<Path> outside = files.filter(p -> p.toString().endsWith(".class"))
                    .filter(p -> !classes.relativize(p).toString().startsWith("dev/miltermanager/james/")).toList();
            checked = outside.size();
            offenders = outside.stream().filter(p -> {
                try {
                    String constants = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                    return JAMES_NAMES.stream().anyMatch(constants::contains);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(p -> classes.relativize(p).toString()).toList();
        }
        assertTrue(checked > 100, "the scan saw the main classes: " + checked);
        String mailet = new String(Files.readAllBytes(classes.resolve("dev/miltermanager/james/MilterMailet.class")),
                StandardCharsets.ISO_8859_1);
        assertTrue(mailet.contains("org/apache/mailet/"), "the scan finds such references where they are");
        assertEquals(List.of(), offenders);
    }

    @Test
    void theDaemonRunsWithOnlyOurClassesOnTheClassPath(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String spec = "inet:" + port + "@[127.0.0.1]";
        Path log = dir.resolve("daemon.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        // No configuration and nothing detected (the machine may have milters installed): a daemon without children.
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", mainClasses().toString(),
                "dev.miltermanager.daemon.Main", "--connection-spec", spec,
                "--config-dir", Files.createDirectories(dir.resolve("conf")).toString());
        builder.environment().put("MILTER_MANAGER_DETECTION_ROOT",
                Files.createDirectories(dir.resolve("root")).toString());
        Process daemon = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!Files.readString(log).contains("listening on " + spec)) {
                assertTrue(daemon.isAlive(), "the daemon exited: " + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "the daemon does not listen: " + Files.readString(log));
                Thread.sleep(50);
            }
            try (MilterClient mta = MilterClient.connect(ConnectionSpec.parse(spec),
                    ClientOptions.builder().allTimeouts(Duration.ofSeconds(5)).build())) {
                mta.negotiate(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL));
                assertEquals(new Response.Accept(), mta.send(Command.Connect.unknown("client.example")));
                mta.quit();
            }
        } finally {
            daemon.destroy();
            daemon.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
