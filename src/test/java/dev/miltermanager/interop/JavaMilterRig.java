package dev.miltermanager.interop;

import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.milter.MilterSpec;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.ListenOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our {@link MilterServer} serving a {@link RecordingJavaMilter.Script}, a private {@link PostfixInstance} whose
 * {@code smtpd_milters} points at it, and the {@link SmtpSink} Postfix delivers to; started together, closed
 * together (Postfix first, so the milter connections end before the server closes).
 *
 * {@snippet :
 * try (JavaMilterRig rig = JavaMilterRig.builder(Transport.TCP).spec(spec).start()) {
 *     rig.script().atEndOfMessage((editor, seen) -> { editor.addHeader("X-A", "b"); return Verdict.CONTINUE; });
 *     SmtpClient.Transaction sent = rig.send("a@example.org", List.of("b@example.net"), message);
 *     SmtpSink.Message delivered = rig.sink().await(Duration.ofSeconds(15));
 * }
 * }
 */
final class JavaMilterRig implements AutoCloseable {

    /** How the milter listens: what {@code smtpd_milters} names. */
    enum Transport {
        /** {@code inet:0@[127.0.0.1]}, given to Postfix as {@code inet:127.0.0.1:PORT}. */
        TCP,
        /**
         * {@code unix:DIR/milter.sock}, DIR 0755 and the socket 0666 so smtpd (user {@code postfix}) can connect;
         * given to Postfix as {@code unix:DIR/milter.sock}.
         */
        UNIX
    }

    /** Postfix's milter timeouts in these tests: short, so a milter that fails to answer fails the test fast. */
    static final Duration MILTER_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SESSIONS_END = Duration.ofSeconds(10);

    private final RecordingJavaMilter.Script script;
    private final Path socketDirectory;
    private final MilterServer server;
    private final MilterTap tap;
    private final SmtpSink sink;
    private final PostfixInstance postfix;

    private JavaMilterRig(RecordingJavaMilter.Script script, Path socketDirectory, MilterServer server,
            MilterTap tap, SmtpSink sink, PostfixInstance postfix) {
        this.script = script;
        this.socketDirectory = socketDirectory;
        this.server = server;
        this.tap = tap;
        this.sink = sink;
        this.postfix = postfix;
    }

    static Builder builder(Transport transport) {
        return new Builder(transport);
    }

    RecordingJavaMilter.Script script() {
        return script;
    }

    MilterServer server() {
        return server;
    }

    /**
     * The relay between Postfix and the server, noting each packet.
     *
     * @throws IllegalStateException unless the rig was built {@link Builder#tapped() tapped}
     */
    MilterTap tap() {
        if (tap == null) {
            throw new IllegalStateException("build the rig with tapped()");
        }
        return tap;
    }

    SmtpSink sink() {
        return sink;
    }

    PostfixInstance postfix() {
        return postfix;
    }

    /** A new SMTP connection to Postfix, greeting read. */
    SmtpClient connect() {
        return SmtpClient.connect(postfix.smtpPort());
    }

    /** One message on its own SMTP connection (EHLO, the transaction, QUIT). */
    SmtpClient.Transaction send(String from, List<String> recipients, String message) {
        return SmtpClient.sendMail(postfix.smtpPort(), from, recipients, message);
    }

    /** What a failing assertion should show: the milter's events and Postfix's log. */
    String diagnostics() {
        return "\n--- milter events:\n" + String.join("\n", script.events().stream().map(Object::toString).toList())
                + "\n--- maillog:\n" + postfix.log();
    }

    /**
     * Stops Postfix, then checks that every milter instance was closed (each MTA connection ended cleanly) before
     * closing the server, the sink and the socket directory.
     *
     * @throws AssertionError when a milter connection outlived Postfix
     */
    @Override
    public void close() {
        try {
            postfix.close();
            long deadline = System.nanoTime() + SESSIONS_END.toNanos();
            while (server.activeSessions() > 0 && System.nanoTime() < deadline) {
                pause();
            }
            if (server.activeSessions() > 0 || script.closedInstances() != script.instances()) {
                throw new AssertionError(server.activeSessions() + " milter sessions still open and "
                        + script.closedInstances() + " of " + script.instances()
                        + " milter instances closed after Postfix stopped; events: " + script.events());
            }
        } finally {
            if (tap != null) {
                tap.close();
            }
            server.close();
            sink.close();
            Processes.deleteTree(socketDirectory);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Configures a rig; not thread-safe. */
    static final class Builder {
        private final Transport transport;
        private MilterSpec spec = MilterSpec.defaults();
        private final RecordingJavaMilter.Script script = new RecordingJavaMilter.Script();
        private final Map<String, String> postfixSettings = new LinkedHashMap<>();
        private boolean sinkDsn;
        private boolean tapped;

        private Builder(Transport transport) {
            this.transport = transport;
            String timeout = MILTER_TIMEOUT.toSeconds() + "s";
            postfixSettings.put("milter_connect_timeout", timeout);
            postfixSettings.put("milter_command_timeout", timeout);
            postfixSettings.put("milter_content_timeout", timeout);
            postfixSettings.put("milter_default_action", "tempfail");
        }

        /** The milter's declarations (default {@link MilterSpec#defaults()}). */
        Builder spec(MilterSpec newSpec) {
            this.spec = newSpec;
            return this;
        }

        /** Any {@code main.cf} setting for the Postfix instance. */
        Builder postfix(String parameter, String value) {
            postfixSettings.put(parameter, value);
            return this;
        }

        /** Let the sink advertise DSN, so Postfix relays RET, ENVID, NOTIFY and ORCPT to it. */
        Builder sinkWithDsn() {
            this.sinkDsn = true;
            return this;
        }

        /** Put a {@link MilterTap} between Postfix and the server (TCP only). */
        Builder tapped() {
            if (transport != Transport.TCP) {
                throw new IllegalStateException("the tap relays TCP only");
            }
            this.tapped = true;
            return this;
        }

        JavaMilterRig start() {
            Path directory = null;
            MilterServer server = null;
            MilterTap tap = null;
            SmtpSink sink = null;
            try {
                directory = Files.createTempDirectory("java-milter-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                server = startServer(directory);
                tap = tapped ? MilterTap.start(server.boundSpec().toSocketAddress()) : null;
                sink = sinkDsn ? SmtpSink.startWithDsn() : SmtpSink.start();
                PostfixInstance.Builder postfix = PostfixInstance.builder().relayTo(sink)
                        .milters(tap != null ? tap.postfixSpec() : postfixSpec(server.boundSpec()));
                postfixSettings.forEach(postfix::set);
                return new JavaMilterRig(script, directory, server, tap, sink, postfix.start());
            } catch (IOException | RuntimeException e) {
                if (sink != null) {
                    sink.close();
                }
                if (tap != null) {
                    tap.close();
                }
                if (server != null) {
                    server.close();
                }
                Processes.deleteTree(directory);
                if (e instanceof IOException io) {
                    throw new UncheckedIOException("cannot start the Java milter rig", io);
                }
                throw (RuntimeException) e;
            }
        }

        private MilterServer startServer(Path directory) throws IOException {
            ConnectionSpec listen = switch (transport) {
                case TCP -> ConnectionSpec.parse("inet:0@[127.0.0.1]");
                case UNIX -> ConnectionSpec.unix(directory.resolve("milter.sock"));
            };
            return MilterServer.builder(listen, spec, script)
                    .listenOptions(ListenOptions.DEFAULTS.withUnixSocketMode(0666))
                    .build()
                    .start();
        }

        /** Our spelling of the bound socket in Postfix's: {@code inet:127.0.0.1:PORT} or {@code unix:/path}. */
        private static String postfixSpec(ConnectionSpec bound) {
            return switch (bound) {
                case ConnectionSpec.Inet inet -> "inet:" + inet.host().orElseThrow() + ":" + inet.port();
                case ConnectionSpec.Unix unix -> "unix:" + unix.path();
            };
        }
    }
}
