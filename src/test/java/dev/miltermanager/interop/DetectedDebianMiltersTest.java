package dev.miltermanager.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.miltermanager.config.DetectedMilter;
import dev.miltermanager.config.DetectionResult;
import dev.miltermanager.config.MilterDetector;
import dev.miltermanager.config.Platform;
import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.ChildStatistics;
import dev.miltermanager.manager.ManagerSession;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real check: on this Debian machine, with the {@code opendkim} and {@code opendmarc} packages installed
 * (by {@code .ci/run}), detection on the real root {@code /} finds both with the sockets their packages configure,
 * and a manager whose children are exactly the detected milters passes a message through both.
 *
 * <p>The daemons are started the way their units would (the test runs as root, as the services' start does):
 * the runtime directory their tmpfiles.d entry creates, then {@code opendkim -f -x /etc/opendkim.conf} and
 * {@code opendmarc -f -c /etc/opendmarc.conf}, which listen where the packaged configuration says. A daemon already
 * listening there (the system's own) is used as it is. A file lock keeps concurrent test runs on this machine from
 * starting them twice.
 */
class DetectedDebianMiltersTest {
    private static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "milter-manager-detected-debian.lock");
    private final List<Process> started = new ArrayList<>();

    @TempDir
    Path logs;

    @AfterEach
    void stopDaemons() {
        for (Process p : started) {
            Processes.destroyTree(p.toHandle(), Duration.ofSeconds(5));
        }
    }

    @Test
    void opendkimAndOpendmarcAreDetectedOnTheRealRootAndPassMail() throws Exception {
        for (String conf : List.of("/etc/opendkim.conf", "/etc/opendmarc.conf", "/usr/sbin/opendkim",
                "/usr/sbin/opendmarc")) {
            if (!Files.exists(Path.of(conf))) {
                fail(conf + " is missing: install the Debian packages opendkim and opendmarc (see .ci/run)");
            }
        }
        DetectionResult result = MilterDetector.detect(Path.of("/"));
        assertEquals(Platform.DEBIAN, Platform.guess(Path.of("/")));
        DetectedMilter opendkim = result.milter("opendkim").orElseThrow(() -> new AssertionError(
                "opendkim not detected: " + result));
        DetectedMilter opendmarc = result.milter("opendmarc").orElseThrow(() -> new AssertionError(
                "opendmarc not detected: " + result));
        // What Debian 12's packages configure: Socket local:/run/opendkim/opendkim.sock in /etc/opendkim.conf, and
        // local:/run/opendmarc/opendmarc.sock in /etc/opendmarc.conf; both units are enabled at install.
        assertEquals("unix:/run/opendkim/opendkim.sock", opendkim.connectionSpec());
        assertEquals("unix:/run/opendmarc/opendmarc.sock", opendmarc.connectionSpec());
        assertTrue(opendkim.origin().startsWith("/etc/opendkim.conf:"), opendkim.origin());
        assertTrue(opendmarc.origin().startsWith("/etc/opendmarc.conf:"), opendmarc.origin());
        assertTrue(opendkim.enabled() && opendmarc.enabled(), result.toString());
        assertEquals("OpenDKIM Milter", opendkim.description());
        assertTrue(!opendkim.command().isEmpty() && opendkim.command().contains("opendkim"), opendkim.command()
                .toString());

        Files.createDirectories(LOCK.getParent());
        try (FileChannel lockFile = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockFile.lock()) {
            ensureRunning(opendkim, "opendkim", List.of("/usr/sbin/opendkim", "-f", "-x", "/etc/opendkim.conf"));
            ensureRunning(opendmarc, "opendmarc", List.of("/usr/sbin/opendmarc", "-f", "-c", "/etc/opendmarc.conf"));
            passMailThrough(List.of(opendkim, opendmarc));
        }
    }

    @Test
    void aDownOpendkimIsStartedByTheCommandDetectionGaveIt() throws Exception {
        DetectedMilter opendkim = MilterDetector.detect(Path.of("/")).milter("opendkim")
                .orElseThrow(() -> new AssertionError("opendkim not detected: install it (see .ci/run)"));
        // No systemd runs in this container, so the command is Debian's service(8) running the init script.
        assertEquals(List.of("/usr/sbin/service", "opendkim", "start"), opendkim.command());
        Path socket = Path.of(opendkim.connectionSpec().substring("unix:".length()));
        Path pidFile = socket.resolveSibling("opendkim.pid");
        Files.createDirectories(LOCK.getParent());
        try (FileChannel lockFile = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lockFile.lock()) {
            // The packaged service may already run (started by hand, or by a daemon test whose detected children
            // were auto-started): stop exactly that daemon (by its pid file: the init script's stop would end every
            // opendkim on the machine), prove the start, and leave the service as it was found.
            boolean runningBefore = accepts(socket);
            if (runningBefore) {
                stopByPidFile(pidFile);
                assertTrue(!accepts(socket), "an opendkim still listens on " + socket + " although the one in "
                        + pidFile + " was stopped; this test must see it down to prove the start");
            }
            try {
                passMailThrough(List.of(opendkim), true);
                assertTrue(accepts(socket), "opendkim listens after the manager started it");
            } finally {
                if (!runningBefore) {
                    stopByPidFile(pidFile);
                }
            }
        }
    }

    private static void stopByPidFile(Path pidFile) throws IOException {
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            ProcessHandle.of(pid).ifPresent(p -> Processes.destroyTree(p, Duration.ofSeconds(5)));
        }
    }

    private void passMailThrough(List<DetectedMilter> detected) throws Exception {
        passMailThrough(detected, false);
    }

    private void passMailThrough(List<DetectedMilter> detected, boolean withCommands) throws Exception {
        MilterManagerConfig.Builder config = MilterManagerConfig.builder();
        for (DetectedMilter m : detected) {
            config.addChild(ChildConfig.builder(m.name(), ConnectionSpec.parse(m.connectionSpec()))
                    .description(m.description()).allTimeouts(Duration.ofSeconds(20))
                    .command(withCommands ? m.command() : List.of()).startWait(Duration.ofSeconds(20)).build());
        }
        try (MilterManager manager = MilterManager.create(config.build())) {
            ManagerSession session = manager.openSession();
            Response negotiated = session.handle(new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL)).getFirst();
            assertTrue(negotiated instanceof Response.Negotiate, negotiated.toString());
            goesOn(session.handle(
                    new Command.Connect("mail.example.org", Command.Family.INET, 41000, "192.0.2.1")));
            goesOn(session.handle(new Command.Helo("mail.example.org")));
            goesOn(session.handle(new Command.MailFrom("<alice@example.org>")));
            goesOn(session.handle(new Command.Recipient("<bob@example.net>")));
            goesOn(session.handle(new Command.Data()));
            for (String[] h : List.of(new String[] {"From", "Alice <alice@example.org>"},
                    new String[] {"To", "bob@example.net"}, new String[] {"Subject", "detected children"},
                    new String[] {"Date", "Sat, 28 Nov 2026 01:00:00 +0000"},
                    new String[] {"Message-ID", "<detected-1@example.org>"})) {
                goesOn(session.handle(new Command.Header(h[0], h[1])));
            }
            goesOn(session.handle(new Command.EndOfHeaders()));
            goesOn(session.handle(
                    Command.Body.of("Hello Bob\r\n".getBytes(StandardCharsets.US_ASCII))));
            List<Response> end = session.handle(new Command.EndOfMessage());
            // OpenDMARC inserts its verdict; what it is depends on the DNS this machine reaches, that it is there does not.
            assertTrue(detected.stream().noneMatch(m -> m.name().equals("opendmarc"))
                    || end.stream().anyMatch(r -> r instanceof Response.InsertHeader h
                    && h.name().equals("Authentication-Results") && h.value().contains("dmarc=")
                    && h.value().contains("header.from=example.org")), end.toString());
            assertTrue(end.getLast() instanceof Response.Continue || end.getLast() instanceof Response.Accept,
                    end.toString());
            session.handle(new Command.Quit());
            for (DetectedMilter m : detected) {
                ChildStatistics stats = manager.statistics().children().get(m.name());
                assertEquals(1, stats.answers(Stage.EOM, Status.CONTINUE)
                        + stats.answers(Stage.EOM, Status.ACCEPT), m.name() + ": " + stats);
                for (Stage stage : Stage.values()) {
                    assertEquals(0, stats.failures(stage), m.name() + " failed at " + stage + ": " + stats);
                }
            }
        }
    }

    /** The manager let the message go on: it answered continue, or nothing where the MTA asked for no reply. */
    private static void goesOn(List<Response> replies) {
        assertTrue(replies.isEmpty() || replies.equals(List.of(new Response.Continue())), replies.toString());
    }

    /** Starts the daemon as its unit would unless something already listens on the detected socket. */
    private void ensureRunning(DetectedMilter milter, String user, List<String> command) throws Exception {
        Path socket = Path.of(milter.connectionSpec().substring("unix:".length()));
        if (accepts(socket)) {
            return;
        }
        Path runDir = socket.getParent();
        Files.createDirectories(runDir);
        UserPrincipalLookupService users = runDir.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(runDir, users.lookupPrincipalByName(user));
        Files.getFileAttributeView(runDir, java.nio.file.attribute.PosixFileAttributeView.class)
                .setGroup(users.lookupPrincipalByGroupName(user));
        Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxr-x---"));
        Files.deleteIfExists(socket);
        Path log = logs.resolve(user + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(process);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!accepts(socket)) {
            if (!process.isAlive()) {
                fail(String.join(" ", command) + " exited with " + process.exitValue() + ": "
                        + Processes.readOrNote(log));
            }
            if (System.nanoTime() > deadline) {
                fail(String.join(" ", command) + " did not listen on " + socket + " within 15 s: "
                        + Processes.readOrNote(log));
            }
            Thread.sleep(50);
        }
    }

    private static boolean accepts(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(java.net.UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
