package dev.miltermanager.interop;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A private Postfix for one test: its own configuration, queue and data directories in a temp dir, smtpd on a
 * free 127.0.0.1 port, every message relayed to {@code [127.0.0.1]:SINKPORT} (an {@link SmtpSink}), no DNS,
 * short queue timers, and the log in a file ({@link #log()}) so a failing test can print it.
 *
 * {@snippet :
 * try (SmtpSink sink = SmtpSink.start();
 *      PostfixInstance postfix = PostfixInstance.builder()
 *              .relayTo(sink)
 *              .milters(child.postfixSpec())
 *              .set("milter_default_action", "tempfail")
 *              .start()) {
 *     SmtpClient.Transaction t =
 *             SmtpClient.sendMail(postfix.smtpPort(), "a@example.org", List.of("b@example.net"), raw);
 *     SmtpSink.Message delivered = sink.await(Duration.ofSeconds(10));
 * }
 * }
 *
 * <p>Started with {@code postfix -c DIR start} under {@code reaper} (a child sub-reaper built from
 * {@code interop/reaper.c}) and stopped with {@code postfix -c DIR stop}: the master, which detaches from its
 * starter, and every daemon it forks stay descendants of the reaper even once orphaned, so {@link #close()} can
 * wait until the last process of this instance is gone, and no zombie is left behind where PID 1 does not reap
 * (as in some containers). The system's own Postfix (default configuration directory, port 25,
 * {@code /var/spool/postfix}) is never touched; instances can run one after another or side by side. Needs root
 * (Postfix's {@code start} does), like the rest of the interop tests.
 *
 * <p>What a non-default configuration directory needs, and the traps on the way:
 * <ul>
 *   <li>Nothing in the system's {@code main.cf}: {@code postfix -c} exports the directory as {@code MAIL_CONFIG},
 *       which master and its daemons inherit ({@code import_environment}). Only the set-gid commands
 *       ({@code postdrop}, {@code postqueue}, behind {@code sendmail}) insist on the directory being listed in the
 *       <em>default</em> {@code main.cf}'s {@code alternate_config_directories}; the harness submits over SMTP
 *       only. No {@code multi_instance_*} setting either: that is for {@code postmulti}-managed instances.</li>
 *   <li>{@code queue_directory} must exist before {@code postfix start}; its integrity check
 *       ({@code post-install create-missing}) then creates the sub-directories and {@code data_directory} with
 *       Postfix's owners. A {@code data_directory} created by the test (owned by root) makes master fail.</li>
 *   <li>The temp directory must be searchable by user {@code postfix} (Java creates it 0700).</li>
 *   <li>{@code maillog_file} is refused unless it lies under {@code maillog_file_prefixes}, and needs the
 *       {@code postlog} service in {@code master.cf}.</li>
 *   <li>Postfix waits for a configuration file modified within the last second or two to "cool down"; a freshly
 *       written {@code main.cf} costs two seconds per start unless it is dated back ({@link PostfixFiles}).</li>
 *   <li>No chroot in {@code master.cf} (a jail would need populating), and no DNS: relay host as an address
 *       literal, {@code smtp_dns_support_level = disabled}, {@code smtpd_peername_lookup = no} (milters then see
 *       the client as {@code [127.0.0.1]}).</li>
 *   <li>Error throttling off ({@code smtpd_error_sleep_time = 0}, high error limits): once a client has made
 *       more than {@code smtpd_soft_error_limit} errors smtpd sleeps before each reply, and at the hard limit it
 *       hangs up, which would bite a test collecting many rejects on one connection.</li>
 * </ul>
 */
public final class PostfixInstance implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final Set<PostfixInstance> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(PostfixInstance::close)));
    }

    private final Path directory;
    private final Path configDirectory;
    private final Path logFile;
    private final Path reaperOutput;
    private final int smtpPort;
    private final String postfix;
    private volatile Process reaper;
    private final AtomicBoolean closed = new AtomicBoolean();

    private PostfixInstance(Path directory, int smtpPort, String postfix) {
        this.directory = directory;
        this.configDirectory = directory.resolve("etc");
        this.logFile = directory.resolve("maillog");
        this.reaperOutput = directory.resolve("postfix-commands.txt");
        this.smtpPort = smtpPort;
        this.postfix = postfix;
    }

    /** A builder with the harness defaults (see {@link Builder}). */
    public static Builder builder() {
        return new Builder();
    }

    /** The port smtpd listens on, on 127.0.0.1. */
    public int smtpPort() {
        return smtpPort;
    }

    /** The instance's configuration directory (main.cf, master.cf). */
    public Path configDirectory() {
        return configDirectory;
    }

    /** The instance's log so far (Postfix's {@code maillog_file}). */
    public String log() {
        return Processes.readOrNote(logFile);
    }

    /**
     * Waits until the log contains {@code text} (e.g. {@code "milter-reject"}); returns the log then.
     *
     * @throws AssertionError on timeout, with the log
     */
    public String awaitLog(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String log = log();
            if (log.contains(text)) {
                return log;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no \"" + text + "\" in the Postfix log within " + timeout + ":\n" + log);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /**
     * The reaper process: every process of this instance is one of its descendants, and it ends only after the
     * last of them has.
     */
    ProcessHandle processes() {
        return reaper.toHandle();
    }

    /**
     * Stops Postfix ({@code postfix -c DIR stop}), waits until no process of this instance is left (killing
     * stragglers after a bounded wait), and deletes the temp directory. Idempotent.
     */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        RUNNING.remove(this);
        Process running = reaper;
        try {
            if (running != null && running.isAlive()) {
                stopAndAwait(running);
            }
        } finally {
            Processes.deleteTree(directory);
        }
    }

    private void stopAndAwait(Process running) {
        try {
            Processes.Result stop = Processes.run(List.of(postfix, "-c", configDirectory.toString(), "stop"),
                    STOP_TIMEOUT);
            // After a failed stop (master already gone, say) there is no point in waiting for a clean end.
            Duration wait = stop.succeeded() ? STOP_TIMEOUT : Duration.ofSeconds(1);
            if (!running.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                Processes.destroyTree(running.toHandle(), Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Processes.destroyTree(running.toHandle(), Duration.ZERO);
        } catch (RuntimeException e) {
            Processes.destroyTree(running.toHandle(), Duration.ofSeconds(5));
            throw e;
        }
    }

    @Override
    public String toString() {
        return "Postfix on 127.0.0.1:" + smtpPort + " (" + configDirectory + ")";
    }

    private void start(Map<String, String> settings) throws IOException {
        Files.createDirectories(configDirectory);
        // Postfix requires queue_directory to exist; post-install creates what is inside it, and data_directory.
        Files.createDirectories(directory.resolve("queue"));
        PostfixFiles.writeSettled(configDirectory.resolve("main.cf"), PostfixFiles.mainCf(settings));
        PostfixFiles.writeSettled(configDirectory.resolve("master.cf"), PostfixFiles.masterCf(smtpPort));
        Path reaperBinary = InteropBuild.compiled("reaper.c");
        reaper = new ProcessBuilder(reaperBinary.toString(), postfix, "-c", configDirectory.toString(), "start")
                .redirectError(reaperOutput.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        RUNNING.add(this);
        int exit = awaitStartCommand();
        if (exit != 0) {
            throw new IllegalStateException("postfix start exited with " + exit + diagnostics());
        }
    }

    /** Reads the reaper's "exit N" line: {@code postfix start} returns once master has initialized. */
    private int awaitStartCommand() {
        BufferedReader status = new BufferedReader(new InputStreamReader(reaper.getInputStream(),
                StandardCharsets.US_ASCII));
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return status.readLine();
            } catch (IOException e) {
                return null;
            }
        }, runnable -> Thread.ofVirtual().start(runnable));
        try {
            String text = line.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (text == null || !text.startsWith("exit ")) {
                throw new IllegalStateException("postfix start: reaper said " + text + diagnostics());
            }
            return Integer.parseInt(text.substring(5).trim());
        } catch (TimeoutException e) {
            throw new IllegalStateException("postfix start did not return within " + START_TIMEOUT + diagnostics());
        } catch (ExecutionException e) {
            throw new IllegalStateException("postfix start: " + e.getCause() + diagnostics());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Postfix", e);
        }
    }

    private String diagnostics() {
        return "\n--- postfix command output:\n" + Processes.readOrNote(reaperOutput) + "\n--- maillog:\n" + log();
    }

    /**
     * Settings for {@code main.cf}. The defaults ({@link PostfixFiles#defaultSettings()}) make a fast, DNS-free
     * relay to the sink; {@link #set} adds or overrides any parameter (the {@code milter_*} ones in particular).
     * Not thread-safe; use once.
     */
    public static final class Builder {
        private final Map<String, String> settings = new LinkedHashMap<>();
        private Integer relayPort;

        private Builder() {
            settings.putAll(PostfixFiles.defaultSettings());
        }

        /** Relay every message to {@code [127.0.0.1]:port}. Required. */
        public Builder relayTo(int port) {
            this.relayPort = port;
            return this;
        }

        /** Relay every message to the sink. */
        public Builder relayTo(SmtpSink sink) {
            return relayTo(sink.port());
        }

        /** {@code smtpd_milters}, in Postfix's spelling (see {@link InteropChild#postfixSpec()}); chained in order. */
        public Builder milters(String... postfixSpecs) {
            return set("smtpd_milters", String.join(", ", postfixSpecs));
        }

        /** Any {@code main.cf} parameter, e.g. {@code set("milter_default_action", "accept")}. */
        public Builder set(String parameter, String value) {
            if (parameter.contains("\n") || value.contains("\n")) {
                throw new IllegalArgumentException("one line per setting: " + parameter);
            }
            settings.put(parameter, value);
            return this;
        }

        /** Writes the configuration, starts Postfix and returns once it accepts SMTP connections. */
        public PostfixInstance start() {
            if (relayPort == null) {
                throw new IllegalStateException("relayTo(...) is required");
            }
            if (!"root".equals(System.getProperty("user.name"))) {
                throw new IllegalStateException("PostfixInstance needs root (postfix start changes to mail_owner); "
                        + "running as " + System.getProperty("user.name"));
            }
            String postfix = findPostfix();
            PostfixInstance instance = null;
            Path directory = null;
            try {
                // Postfix's daemons (user postfix) must traverse to the queue directory: not the 0700 default.
                directory = Files.createTempDirectory("postfix-interop-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                Map<String, String> all = new LinkedHashMap<>(settings);
                all.put("queue_directory", directory.resolve("queue").toString());
                all.put("data_directory", directory.resolve("data").toString());
                all.put("maillog_file", directory.resolve("maillog").toString());
                // maillog_file must lie below one of these prefixes (the default allows /var and /dev/stdout).
                all.put("maillog_file_prefixes", directory.toString());
                all.put("relayhost", "[127.0.0.1]:" + relayPort);
                instance = new PostfixInstance(directory, InteropChild.freePort(), postfix);
                instance.start(all);
                return instance;
            } catch (IOException | RuntimeException e) {
                String diagnostics = instance != null ? instance.diagnostics() : "";
                if (instance != null) {
                    try {
                        instance.close();
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                } else {
                    Processes.deleteTree(directory);
                }
                if (e instanceof IOException io) {
                    throw new UncheckedIOException("cannot start Postfix" + diagnostics, io);
                }
                throw (RuntimeException) e;
            }
        }

        private static String findPostfix() {
            for (String candidate : List.of("/usr/sbin/postfix", "/usr/local/sbin/postfix")) {
                if (Files.isExecutable(Path.of(candidate))) {
                    return candidate;
                }
            }
            throw new IllegalStateException("Postfix is not installed (no /usr/sbin/postfix); the interop tests "
                    + "need the Debian package postfix, which .ci/run installs");
        }
    }
}
