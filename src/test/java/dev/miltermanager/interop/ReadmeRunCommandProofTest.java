package dev.miltermanager.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.daemon.Main;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Proof" of the daemon issue, end to end: the README's run command ({@code bin/milter-manager}, the launcher
 * script itself) with {@code --config-dir}, {@code --pid-file} and a loopback port; a real Postfix in front of it
 * ({@code milter_default_action = tempfail}, so mail cannot pass a broken manager unfiltered) relaying to a sink;
 * real children behind it: the libmilter C child adding {@code X-First}, later the pymilter child adding
 * {@code X-Second}. The steps: mail gets {@code X-First}; a second child appended to {@code milter-manager.conf}
 * and {@code kill -HUP} of the pid in the pid file make new mail get both headers, and {@code --show-config} names
 * both children with their {@code file:line}; a bad line and another HUP are logged with {@code file:line} and
 * the running configuration stays (mail still gets both headers); SIGTERM ends the daemon with status 0 and
 * removes the pid file.
 *
 * <p><b>How the launcher finds its jar.</b> Surefire runs in the {@code test} phase, before {@code package}, so
 * {@code target/milter-manager-*.jar} may be missing or older than the sources, and the launcher would then run a
 * nested Maven build into the {@code target/} of the build running this test. Instead the test packs
 * {@code target/classes} (the classes under test) into a jar in its temp directory with the running JDK's
 * {@code jar} tool and hands it to the launcher through {@code MILTER_MANAGER_JAR}, the launcher's documented
 * override; {@code JAVA_HOME} is the running JDK. So the script itself is under test: it finds the JDK
 * ({@code bin/find-java}), takes the jar ({@code bin/find-jar}) and {@code exec}s {@code java -jar} with our
 * arguments, which the test checks too: the pid in the pid file is the launcher's own process id.
 *
 * <p>Detection reads below an empty directory ({@code MILTER_MANAGER_DETECTION_ROOT}), so this machine's own
 * milters (opendkim and opendmarc are installed for {@code DetectedDebianMiltersTest}) are not children here.
 */
class ReadmeRunCommandProofTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String LAUNCHER = "bin/milter-manager";

    @TempDir
    Path dir;

    @Test
    void launcherDaemonBehindPostfixAppliesItsChildrenReloadsOnHupAndStopsOnTerm() throws Exception {
        Path confDir = Files.createDirectories(dir.resolve("conf"));
        Path conf = confDir.resolve("milter-manager.conf");
        Path pidFile = dir.resolve("milter-manager.pid");
        Map<String, String> env = launcherEnvironment();
        int port = InteropChild.freePort();
        String spec = "inet:" + port + "@[127.0.0.1]";
        try (SmtpSink sink = SmtpSink.start();
             InteropChild first = InteropChild.c("first").edit("add-header:X-First:{name}").start();
             InteropChild second = InteropChild.python("second").edit("add-header:X-Second:{name}").start();
             PostfixInstance postfix = PostfixInstance.builder().relayTo(sink)
                     .milters("inet:127.0.0.1:" + port).set("milter_default_action", "tempfail").start()) {
            Files.writeString(conf, "# written by " + getClass().getSimpleName() + "\n"
                    + "milter.first.connection_spec = " + first.connectionSpec() + "\n");
            Process daemon = launch(env, List.of("--config-dir", confDir.toString(), "--connection-spec", spec,
                    "--pid-file", pidFile.toString()));
            try {
                awaitLog("listening on " + spec, 1, daemon);
                String pid = awaitPidFile(pidFile, daemon);
                assertEquals(Long.toString(daemon.pid()), pid,
                        "the launcher execs java, so the pid file holds the launcher's own process id");

                SmtpSink.Message one = deliver(postfix, sink, "one", daemon);
                assertEquals("first", one.header("X-First"), "the C child's edit is applied");
                assertNull(one.header("X-Second"), "no second child yet");

                Files.writeString(conf, "milter.second.connection_spec = " + second.connectionSpec() + "\n",
                        StandardOpenOption.APPEND);
                hangUp(pid);
                awaitLog("[daemon][reload] done:", 1, daemon);
                SmtpSink.Message two = deliver(postfix, sink, "two", daemon);
                assertEquals("first", two.header("X-First"), "the first child still edits after the reload");
                assertEquals("second", two.header("X-Second"), "the child added by the reload edits new mail");

                String shown = showConfig(env, confDir);
                assertEquals("milter.first.connection_spec = " + first.connectionSpec() + "  # " + conf + ":2",
                        lineStartingWith(shown, "milter.first.connection_spec = "), shown);
                assertEquals("milter.second.connection_spec = " + second.connectionSpec() + "  # " + conf + ":3",
                        lineStartingWith(shown, "milter.second.connection_spec = "), shown);

                Files.writeString(conf, "milter.third.enabled = perhaps\n", StandardOpenOption.APPEND);
                hangUp(pid);
                awaitLog("[daemon][reload] failed, the running configuration is kept:", 1, daemon);
                assertTrue(log().contains(conf + ":4: milter.third.enabled = perhaps: expected true or false"),
                        "the bad line is named with file:line and what is expected:\n" + log());
                SmtpSink.Message three = deliver(postfix, sink, "three", daemon);
                assertEquals("first", three.header("X-First"), "after a bad reload the running configuration stays");
                assertEquals("second", three.header("X-Second"), "after a bad reload the running configuration stays");

                daemon.destroy(); // SIGTERM
                assertTrue(daemon.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS),
                        "the daemon stops within " + WAIT + " of SIGTERM:\n" + log());
                assertEquals(0, daemon.exitValue(), "exit status after SIGTERM:\n" + log());
                assertFalse(Files.exists(pidFile), "the pid file is removed on exit");
            } finally {
                Processes.destroyTree(daemon.toHandle(), Duration.ofSeconds(5));
            }
        }
    }

    /**
     * The launcher's environment: the running JDK, a jar of {@code target/classes}, detection below an empty
     * directory, and none of the caller's settings that would change what the daemon reads.
     */
    private Map<String, String> launcherEnvironment() throws IOException, URISyntaxException {
        Map<String, String> env = new ProcessBuilder().environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("MILTER_MANAGER_JAR", jarOfClassesUnderTest().toString());
        env.put("MILTER_MANAGER_DETECTION_ROOT", Files.createDirectories(dir.resolve("root")).toString());
        env.remove("MILTER_MANAGER_CONFIG_DIR");
        env.remove("MILTER_MANAGER_JAVA_OPTS");
        return Map.copyOf(env);
    }

    /** Packs the compiled main classes with the running JDK's {@code jar} tool (see the class comment why). */
    private Path jarOfClassesUnderTest() throws IOException, URISyntaxException {
        Path classes = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(classes), "the main classes are a directory (target/classes): " + classes);
        ToolProvider jar = ToolProvider.findFirst("jar").orElseThrow(() -> new AssertionError(
                "the running Java has no jar tool; run the tests on a JDK (bin/build finds one)"));
        Path file = dir.resolve("milter-manager.jar");
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
        int status = jar.run(out, out, "--create", "--file", file.toString(), "--main-class", Main.class.getName(),
                "-C", classes.toString(), ".");
        assertEquals(0, status, "jar --create failed:\n" + output.toString(StandardCharsets.UTF_8));
        return file;
    }

    private static Path launcher() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path script = base.resolve(LAUNCHER);
        assertTrue(Files.isExecutable(script), "the README's launcher is missing or not executable: " + script);
        return script;
    }

    private Process launch(Map<String, String> env, List<String> args) throws IOException {
        return processBuilder(env, args).redirectErrorStream(true).redirectOutput(logFile().toFile()).start();
    }

    private static ProcessBuilder processBuilder(Map<String, String> env, List<String> args) {
        List<String> command = new ArrayList<>(List.of(launcher().toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(new File("/dev/null"));
        builder.environment().clear();
        builder.environment().putAll(env);
        return builder;
    }

    /** {@code bin/milter-manager --config-dir DIR --show-config}: its output; it must exit 0 within the wait. */
    private static String showConfig(Map<String, String> env, Path confDir) throws Exception {
        Process process = processBuilder(env, List.of("--config-dir", confDir.toString(), "--show-config"))
                .redirectErrorStream(true).start();
        try {
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "(output unreadable: " + e.getMessage() + ")";
                }
            });
            assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "--show-config did not end within " + WAIT);
            String text = output.get(5, TimeUnit.SECONDS);
            assertEquals(0, process.exitValue(), "--show-config failed:\n" + text);
            return text;
        } finally {
            Processes.destroyTree(process.toHandle(), Duration.ofSeconds(2));
        }
    }

    private static String lineStartingWith(String text, String prefix) {
        return text.lines().filter(line -> line.startsWith(prefix)).findFirst().orElse("(no line " + prefix + "...)");
    }

    /** Sends one message through Postfix; it must be accepted and reach the sink. */
    private SmtpSink.Message deliver(PostfixInstance postfix, SmtpSink sink, String subject, Process daemon)
            throws IOException {
        SmtpClient.Transaction sent = SmtpClient.sendMail(postfix.smtpPort(), "sender@example.org",
                List.of("rcpt@example.net"), "Subject: " + subject + "\n\nproof\n");
        if (!sent.accepted()) {
            throw new AssertionError("Postfix did not accept message '" + subject + "': " + sent
                    + "\ndaemon alive: " + daemon.isAlive() + "; its log:\n" + log() + "\nPostfix's log:\n"
                    + postfix.log());
        }
        SmtpSink.Message message = sink.await(WAIT);
        assertEquals(subject, message.header("Subject"), "the sink got the message just sent");
        return message;
    }

    private static void hangUp(String pid) {
        Processes.Result kill = Processes.run(List.of("kill", "-HUP", pid), Duration.ofSeconds(5));
        assertTrue(kill.succeeded(), "kill -HUP " + pid + ": " + kill.output());
    }

    private String awaitPidFile(Path pidFile, Process daemon) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(pidFile)) {
                String pid = Files.readString(pidFile).strip();
                if (!pid.isEmpty()) {
                    return pid;
                }
            }
            assertTrue(daemon.isAlive(), "the daemon exited before writing its pid file:\n" + log());
            Thread.sleep(50);
        }
        throw new AssertionError("no pid file " + pidFile + " within " + WAIT + ":\n" + log());
    }

    private Path logFile() {
        return dir.resolve("daemon.log");
    }

    private String log() throws IOException {
        return Files.exists(logFile()) ? Files.readString(logFile()) : "";
    }

    /** Waits until {@code text} occurs {@code count} times in the daemon's output. */
    private void awaitLog(String text, int count, Process daemon) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (log().split(Pattern.quote(text), -1).length - 1 >= count) {
                return;
            }
            if (!daemon.isAlive()) {
                throw new AssertionError("the daemon exited with " + daemon.exitValue() + " while waiting for '"
                        + text + "':\n" + log());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the daemon did not print '" + text + "' within " + WAIT + ":\n" + log());
    }
}
