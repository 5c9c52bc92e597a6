package dev.miltermanager.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child whose socket is down and that has a start command is started by the manager, once, and used in the same
 * session (the reference's auto-start of detected milters). The command runs a real milter in a process of its own
 * ({@link StartableMilter}) on a Unix socket.
 */
class ChildAutoStartTest {
    private static final Command.Negotiate OFFER = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);

    @TempDir
    Path dir;

    @AfterEach
    void stopStartedMilters() throws Exception {
        Path counter = dir.resolve("starts");
        if (Files.exists(counter)) {
            for (String pid : Files.readAllLines(counter)) {
                long p = Long.parseLong(pid.strip());
                if (p > 0) {
                    ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    /**
     * Like {@code systemctl start} or an init script: a shell that puts the milter in the background and exits at
     * once, before the milter listens.
     */
    private List<String> startCommand(Path socket, Path counter) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        return List.of("/bin/sh", "-c", "\"$0\" -cp \"$1\" " + StartableMilter.class.getName()
                + " \"$2\" \"$3\" </dev/null & echo started in the background", java,
                System.getProperty("java.class.path"), socket.toString(), counter.toString());
    }

    /**
     * A start command whose socket file appears a second before anything listens on it: the file is bound but not
     * listening (connections are refused), then replaced by the milter's own socket.
     */
    private List<String> slowListenerCommand(Path socket, Path counter) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String bindOnly = "import socket, sys, time; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); "
                + "time.sleep(1)";
        return List.of("/bin/sh", "-c", "( python3 -c '" + bindOnly + "' \"$2\"; rm -f \"$2\"; exec \"$0\" -cp \"$1\" "
                + StartableMilter.class.getName() + " \"$2\" \"$3\" ) </dev/null & echo started in the background",
                java, System.getProperty("java.class.path"), socket.toString(), counter.toString());
    }

    private ChildConfig child(List<String> command, Path socket, Duration wait) {
        return ChildConfig.builder("startable", ConnectionSpec.unix(socket)).command(command).startWait(wait)
                .allTimeouts(Duration.ofSeconds(10)).build();
    }

    private static List<Response> passMessage(ManagerSession session) {
        session.handle(new Command.Connect("client.example", Command.Family.INET, 4000, "192.0.2.1"));
        session.handle(new Command.MailFrom("<a@example.org>"));
        session.handle(new Command.Recipient("<b@example.net>"));
        session.handle(new Command.Header("Subject", "hi"));
        session.handle(new Command.EndOfHeaders());
        session.handle(Command.Body.of("Hello\r\n".getBytes(StandardCharsets.US_ASCII)));
        return session.handle(new Command.EndOfMessage());
    }

    private static long lines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }

    @Test
    void aDownChildIsStartedByItsCommandAndServesTheSessionThatFoundItDown() throws Exception {
        startedChildServesTheSession(this::startCommand);
    }

    @Test
    void aSocketThatRefusesConnectionsForAWhileAfterItAppearsIsRetriedWithinTheStartWait() throws Exception {
        startedChildServesTheSession(this::slowListenerCommand);
    }

    /** One session with a child whose socket is down and whose start command is {@code command(socket, counter)}. */
    private void startedChildServesTheSession(BiFunction<Path, Path, List<String>> command) throws Exception {
        Path socket = dir.resolve("child.sock");
        Path counter = dir.resolve("starts");
        MilterManagerConfig config = MilterManagerConfig.builder()
                .addChild(child(command.apply(socket, counter), socket, Duration.ofSeconds(30))).build();
        try (MilterManager manager = MilterManager.create(config); ManagerSession session = manager.openSession()) {
            assertTrue(session.handle(OFFER).getFirst() instanceof Response.Negotiate n
                    && Action.ADD_HEADERS.in(n.actions()), "the started child's actions are offered");
            assertEquals(List.of(new Response.AddHeader("X-Started", "yes"), new Response.Continue()),
                    passMessage(session));
            assertEquals(0, manager.statistics().children().get("startable").failures(Stage.CONNECT));
        }
        assertEquals(1, lines(counter));
    }

    @Test
    void sessionsThatFindTheChildDownTogetherStartItOnce() throws Exception {
        Path socket = dir.resolve("child.sock");
        Path counter = dir.resolve("starts");
        MilterManagerConfig config = MilterManagerConfig.builder()
                .addChild(child(startCommand(socket, counter), socket, Duration.ofSeconds(30))).build();
        int sessions = 4;
        try (MilterManager manager = MilterManager.create(config);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Response>>> results = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    try (ManagerSession session = manager.openSession()) {
                        session.handle(OFFER);
                        return passMessage(session);
                    }
                }));
            }
            go.countDown();
            for (Future<List<Response>> r : results) {
                assertEquals(List.of(new Response.AddHeader("X-Started", "yes"), new Response.Continue()), r.get());
            }
        }
        assertEquals(1, lines(counter), "one start for " + sessions + " sessions");
    }

    @Test
    void aFailingCommandLeavesTheChildToItsFallbackWithoutWaitingTheWholeWait() throws Exception {
        Path socket = dir.resolve("never.sock");
        Path counter = dir.resolve("starts");
        List<String> failing = List.of("/bin/sh", "-c", "echo 0 >> '" + counter + "'; echo cannot start >&2; exit 3");
        MilterManagerConfig config = MilterManagerConfig.builder()
                .addChild(child(failing, socket, Duration.ofSeconds(60))).build();
        long started = System.nanoTime();
        try (MilterManager manager = MilterManager.create(config); ManagerSession session = manager.openSession()) {
            session.handle(OFFER);
            List<Response> connect = session.handle(
                    new Command.Connect("client.example", Command.Family.INET, 4000, "192.0.2.1"));
            assertEquals(List.of(new Response.Accept()), connect, "no child reachable: the manager's fallback");
        }
        assertEquals(1, lines(counter));
        assertTrue(Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(30)) < 0,
                "a command that failed is not waited for");
    }

    @Test
    void aChildWithoutCommandIsNotStarted() throws Exception {
        Path socket = dir.resolve("none.sock");
        MilterManagerConfig config = MilterManagerConfig.builder()
                .addChild(ChildConfig.of("plain", ConnectionSpec.unix(socket))).build();
        try (MilterManager manager = MilterManager.create(config); ManagerSession session = manager.openSession()) {
            session.handle(OFFER);
            assertEquals(List.of(new Response.Accept()), session.handle(
                    new Command.Connect("client.example", Command.Family.INET, 4000, "192.0.2.1")));
        }
        assertTrue(ChildConfig.of("plain", ConnectionSpec.unix(socket)).command().isEmpty());
    }
}
