package dev.miltermanager.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.daemon.Main;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof "kill -TERM mid-load loses no accepted message": a real Postfix in front of the daemon process
 * (with one child that edits every message), mail sent continuously, SIGTERM to the daemon. Every message Postfix
 * accepted reaches the sink with the child's edit; once the daemon is gone Postfix's {@code milter_default_action
 * = tempfail} refuses mail temporarily (the client would retry), it never accepts it unfiltered.
 */
class PostfixDaemonStopTest {
    private static final int SENDERS = 4;

    @Test
    void sigtermUnderLoadLosesNoMessagePostfixAccepted(@TempDir Path dir) throws Exception {
        int port = InteropChild.freePort();
        Path log = dir.resolve("daemon.log");
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicInteger refusedAfterStop = new AtomicInteger();
        try (SmtpSink sink = SmtpSink.start();
             FakeMilter child = FakeMilter.builder().actions(Action.ADD_HEADERS)
                     .reply(Stage.EOM, FakeReply.CONTINUE.after(Duration.ofMillis(30)))
                     .edits(new Response.AddHeader("X-Child", "seen")).start();
             PostfixInstance postfix = PostfixInstance.builder().relayTo(sink)
                     .milters("inet:127.0.0.1:" + port).set("milter_default_action", "tempfail").start()) {
            String java = ProcessHandle.current().info().command().orElse("java");
            // Only the given child: no configuration file, and nothing detected of the milters this machine has.
            ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "--connection-spec", "inet:" + port + "@[127.0.0.1]",
                    "--milter", "child=" + child.connectionSpec(),
                    "--config-dir", Files.createDirectories(dir.resolve("conf")).toString());
            builder.environment().put("MILTER_MANAGER_DETECTION_ROOT",
                    Files.createDirectories(dir.resolve("root")).toString());
            Process daemon = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                awaitLine(log, "listening on", daemon);
                AtomicBoolean daemonGone = new AtomicBoolean();
                AtomicBoolean sending = new AtomicBoolean(true);
                AtomicInteger sequence = new AtomicInteger();
                List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
                ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
                for (int i = 0; i < SENDERS; i++) {
                    senders.execute(() -> {
                        while (sending.get()) {
                            String subject = "m-" + sequence.incrementAndGet();
                            boolean after = daemonGone.get();
                            Optional<Boolean> result = send(postfix.smtpPort(), subject);
                            if (result.orElse(false)) {
                                accepted.add(subject);
                                if (after) {
                                    failures.add(subject + " was accepted after the daemon had exited");
                                }
                            } else if (after) {
                                refusedAfterStop.incrementAndGet();
                            }
                        }
                    });
                }
                awaitCount(accepted, 40, postfix);
                daemon.destroy();   // SIGTERM, mid-load
                assertTrue(daemon.waitFor(60, TimeUnit.SECONDS), "the daemon stops within its grace period");
                daemonGone.set(true);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                while (refusedAfterStop.get() < 3 && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                sending.set(false);
                senders.shutdown();
                assertTrue(senders.awaitTermination(60, TimeUnit.SECONDS));
                assertEquals(List.of(), failures);
                assertTrue(refusedAfterStop.get() > 0, "mail sent while the daemon was gone was refused");
                Set<String> delivered = new TreeSet<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!delivered.containsAll(accepted) && System.nanoTime() < deadline) {
                    sink.poll(Duration.ofMillis(500)).ifPresent(m -> {
                        assertEquals("seen", m.header("X-Child"), "every accepted message went through the child");
                        delivered.add(m.header("Subject"));
                    });
                }
                Set<String> lost = new TreeSet<>(accepted);
                lost.removeAll(delivered);
                assertEquals(Set.of(), lost, "accepted by Postfix but never delivered\n" + Files.readString(log));
                String daemonLog = Files.readString(log);
                assertTrue(daemonLog.contains("[session][end]"), daemonLog);
            } finally {
                daemon.destroyForcibly();
            }
        }
    }

    /** One SMTP session with one message: accepted (true), refused (false), or broken off (empty). */
    private static Optional<Boolean> send(int port, String subject) {
        try (SmtpClient client = SmtpClient.connect(port)) {
            client.ehlo("client.interop.test");
            boolean ok = client.send("sender@example.org", List.of("rcpt@example.net"),
                    "Subject: " + subject + "\n\nload\n").accepted();
            try {
                client.quit();
            } catch (RuntimeException ignored) {
                // the outcome of the message is known already
            }
            return Optional.of(ok);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void awaitCount(Set<String> accepted, int count, PostfixInstance postfix)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (accepted.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + accepted.size() + " messages accepted in 60 s\n" + postfix.log());
            }
            Thread.sleep(20);
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
