package dev.miltermanager.tools;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.testing.MilterResult;
import dev.miltermanager.testing.MtaProfile;
import dev.miltermanager.testing.MtaSession;
import dev.miltermanager.testing.MtaSessionException;
import dev.miltermanager.testing.MtaSimulator;
import dev.miltermanager.testing.TestMessage;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code milter-test-server}: plays the MTA toward one milter for one session (or several), then prints what the
 * milter decided as the reference's tool does. See {@code docs/tools.md}.
 */
public final class TestServer {
    static final String DEFAULT_BODY = "La de da de da 1.\nLa de da de da 2.\nLa de da de da 3.\nLa de da de da 4.";
    private static final Set<String> WITH_VALUE = Set.of("name", "connection-spec", "negotiate-version",
            "connect-host", "connect-address", "connect-macro", "helo-fqdn", "helo-macro", "from", "envelope-from",
            "envelope-from-macro", "recipient", "envelope-recipient", "envelope-recipient-macro", "data-macro",
            "header", "end-of-header-macro", "body", "end-of-message-macro", "unknown", "authenticated-name",
            "authenticated-type", "authenticated-author", "mail-file", "connection-timeout", "reading-timeout",
            "writing-timeout", "end-of-message-timeout", "all-timeouts", "threads", "profile", "n-messages");
    private static final Set<String> FLAGS = Set.of("output-message", "color", "verbose", "version", "help", "json");
    private static final Map<Character, String> SHORT = Map.of('s', "connection-spec", 'f', "from", 'r',
            "recipient", 'h', "header", 'b', "body", 'm', "mail-file", 't', "threads", 'v', "verbose");

    static final String USAGE = """
            Usage: milter-test-server -s SPEC [options]
            Plays an MTA toward the milter at SPEC and prints the milter's decision.

              -s, --connection-spec=SPEC       the milter: inet:PORT@HOST, inet:PORT@[ADDR], inet6:..., unix:PATH
                                               (a path starting with / means unix:PATH)
                  --name=NAME                  {daemon_name} (default milter-test-server)
                  --profile=postfix|sendmail   the MTA to behave as: offers, macros, header indexes (sendmail)
                  --negotiate-version=N        protocol version offered, 2..6 (6)
                  --connect-host=HOST          client host name at CONNECT (mx.example.net)
                  --connect-address=SPEC       client address at CONNECT (inet:50443@[192.168.123.123])
                  --connect-macro=NAME:VALUE   extra macro at CONNECT (repeatable)
                  --helo-fqdn=FQDN             HELO name (delian)
                  --helo-macro=NAME:VALUE      extra macro at HELO (repeatable)
              -f, --from=ADDRESS               envelope sender (sender@example.com); also --envelope-from
                  --envelope-from-macro=N:V    extra macro at MAIL (repeatable)
              -r, --recipient=ADDRESS          envelope recipient, repeatable (receiver@example.org);
                                               also --envelope-recipient
                  --envelope-recipient-macro=N:V  extra macro at RCPT (repeatable)
                  --data-macro=NAME:VALUE      extra macro at DATA (repeatable)
              -h, --header=NAME:VALUE          header, repeatable (From: and To: are added from the envelope if absent)
                  --end-of-header-macro=N:V    extra macro at end of headers (repeatable)
              -b, --body=CHUNK                 body chunk, repeatable (four "La de da de da N." lines)
                  --end-of-message-macro=N:V   extra macro at end of message (repeatable)
                  --unknown=COMMAND            an SMTP command the MTA does not know, sent after the recipients
                  --authenticated-name=NAME    {auth_authen} at MAIL
                  --authenticated-type=TYPE    {auth_type} at MAIL
                  --authenticated-author=AUTHOR  {auth_author} at MAIL
              -m, --mail-file=PATH             the message from a file (- for standard input); its From:/To:
                                               become the envelope
                  --output-message             print the envelope, headers and body after the milter's edits
                  --color[=yes|no|auto]        color the diff (auto: when standard output is a terminal)
                  --connection-timeout=SECONDS connecting (300)
                  --reading-timeout=SECONDS    waiting for each reply (10)
                  --writing-timeout=SECONDS    each write (10)
                  --end-of-message-timeout=SECONDS  end of message in total (300)
                  --all-timeouts=SECONDS       all four at once
              -t, --threads=N                  run N sessions in parallel (0: one session)
                  --n-messages=N               send the message N times on one connection, ABORT between (1)
                  --json                       one JSON object per message instead of the text report
              -v, --verbose                    print the session transcript on standard error
                  --version                    print the version
                  --help                       print this help
            Exit status: 0 when every session ran, 1 when a session failed (cannot connect, timeout, protocol
            error), 2 for bad options.
            """;

    private TestServer() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Settings settings;
        try {
            Arguments a = Arguments.parse(args, WITH_VALUE, FLAGS, SHORT);
            if (a.has("help")) {
                out.print(USAGE);
                return 0;
            }
            if (a.has("version")) {
                out.println("milter-test-server " + Version.current());
                return 0;
            }
            settings = Settings.of(a);
        } catch (IllegalArgumentException e) {
            err.println("milter-test-server: " + e.getMessage());
            err.println("Try 'milter-test-server --help'.");
            return 2;
        }
        int sessions = Math.max(1, settings.threads);
        List<String> reports = new ArrayList<>();
        boolean ok = true;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<SessionOutcome>> futures = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                futures.add(pool.submit(() -> runSession(settings)));
            }
            for (Future<SessionOutcome> f : futures) {
                SessionOutcome outcome = f.get();
                reports.add(outcome.report);
                if (settings.verbose) {
                    err.print(outcome.transcript);
                }
                ok &= outcome.ok;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (ExecutionException e) {
            err.println("milter-test-server: " + e.getCause());
            return 1;
        }
        reports.forEach(out::print);
        return ok ? 0 : 1;
    }

    private record SessionOutcome(boolean ok, String report, String transcript) {
    }

    private static SessionOutcome runSession(Settings s) {
        StringBuilder report = new StringBuilder();
        MtaSession session;
        try {
            session = s.simulator.open(s.spec);
        } catch (MtaSessionException e) {
            return new SessionOutcome(false, e.getMessage().lines().findFirst().orElse("") + "\n", e.transcript());
        }
        try (session) {
            for (int i = 0; i < s.messages; i++) {
                MilterResult result = session.send(s.message);
                report.append(s.json ? ResultReport.json(result) + "\n"
                        : ResultReport.text(result, s.outputMessage, s.color));
            }
            session.quit();
            return new SessionOutcome(true, report.toString(), session.transcript());
        } catch (MtaSessionException e) {
            report.append(e.getMessage().lines().findFirst().orElse("")).append('\n');
            return new SessionOutcome(false, report.toString(), e.transcript());
        }
    }

    /** The parsed options. */
    private record Settings(ConnectionSpec spec, MtaSimulator simulator, TestMessage message, int threads,
            int messages, boolean outputMessage, boolean color, boolean json, boolean verbose) {

        static Settings of(Arguments a) {
            String specText = a.get("connection-spec", null);
            if (specText == null) {
                throw new IllegalArgumentException("--connection-spec (-s) is required");
            }
            ConnectionSpec spec = ConnectionSpec.parse(specText.startsWith("/") ? "unix:" + specText : specText);
            MtaSimulator.Builder sim = MtaSimulator.builder()
                    .profile(MtaProfile.parse(a.get("profile", "sendmail")))
                    .version(a.integer("negotiate-version", MtaSimulator.DEFAULT_VERSION))
                    .connectHost(a.get("connect-host", MtaSimulator.DEFAULT_CONNECT_HOST))
                    .connectAddress(a.get("connect-address", MtaSimulator.DEFAULT_CONNECT_ADDRESS))
                    .helo(a.get("helo-fqdn", MtaSimulator.DEFAULT_HELO))
                    .daemonName(a.get("name", "milter-test-server"))
                    .authenticated(a.get("authenticated-name", null), a.get("authenticated-type", null),
                            a.get("authenticated-author", null))
                    .clientOptions(timeouts(a));
            macros(a, sim, "connect-macro", MacroStage.CONNECT);
            macros(a, sim, "helo-macro", MacroStage.HELO);
            macros(a, sim, "envelope-from-macro", MacroStage.ENVFROM);
            macros(a, sim, "envelope-recipient-macro", MacroStage.ENVRCPT);
            macros(a, sim, "data-macro", MacroStage.DATA);
            macros(a, sim, "end-of-header-macro", MacroStage.EOH);
            macros(a, sim, "end-of-message-macro", MacroStage.EOM);
            String color = a.get("color", "no");
            boolean useColor = switch (color.isEmpty() ? "yes" : color) {
                case "yes", "always" -> true;
                case "no", "never" -> false;
                case "auto" -> System.console() != null;
                default -> throw new IllegalArgumentException("--color takes yes, no or auto, not '" + color + "'");
            };
            int threads = a.integer("threads", 0);
            int messages = a.integer("n-messages", 1);
            if (threads < 0 || messages < 1) {
                throw new IllegalArgumentException("--threads must be 0 or more and --n-messages 1 or more");
            }
            return new Settings(spec, sim.build(), message(a), threads, messages, a.has("output-message"), useColor,
                    a.has("json"), a.has("verbose"));
        }

        private static ClientOptions timeouts(Arguments a) {
            ClientOptions.Builder b = MtaSimulator.DEFAULT_TIMEOUTS.toBuilder();
            if (a.has("all-timeouts")) {
                b.allTimeouts(seconds(a, "all-timeouts"));
            }
            if (a.has("connection-timeout")) {
                b.connectTimeout(seconds(a, "connection-timeout"));
            }
            if (a.has("reading-timeout")) {
                b.readTimeout(seconds(a, "reading-timeout"));
            }
            if (a.has("writing-timeout")) {
                b.writeTimeout(seconds(a, "writing-timeout"));
            }
            if (a.has("end-of-message-timeout")) {
                b.endOfMessageTimeout(seconds(a, "end-of-message-timeout"));
            }
            return b.build();
        }

        private static Duration seconds(Arguments a, String name) {
            double value = a.number(name, 0);
            if (value <= 0) {
                throw new IllegalArgumentException("--" + name + " must be more than 0 seconds");
            }
            return Duration.ofNanos((long) (value * 1e9));
        }

        private static void macros(Arguments a, MtaSimulator.Builder sim, String option, MacroStage stage) {
            for (String text : a.all(option)) {
                String[] nv = Arguments.nameValue(option, text);
                sim.macro(stage, nv[0], nv[1]);
            }
        }

        private static TestMessage message(Arguments a) {
            TestMessage.Builder b;
            String file = a.get("mail-file", null);
            if (file != null) {
                try {
                    byte[] bytes = file.equals("-") ? System.in.readAllBytes()
                            : java.nio.file.Files.readAllBytes(Path.of(file));
                    b = TestMessage.parse(bytes).toBuilder();
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read mail file " + file + ": " + e.getMessage());
                }
            } else {
                b = TestMessage.builder().from("sender@example.com");
            }
            String from = a.get("from", a.get("envelope-from", null));
            if (from != null) {
                b.from(from);
            }
            List<String> recipients = new ArrayList<>(a.all("recipient"));
            recipients.addAll(a.all("envelope-recipient"));
            if (!recipients.isEmpty()) {
                b.clearRecipients();
                recipients.forEach(b::to);
            } else if (file == null) {
                b.to("receiver@example.org");
            }
            for (String header : a.all("header")) {
                String[] nv = Arguments.nameValue("header", header);
                b.header(nv[0], nv[1].startsWith(" ") ? nv[1].substring(1) : nv[1]);
            }
            b.addressHeadersFromEnvelope();
            List<String> chunks = a.all("body");
            if (!chunks.isEmpty() || file == null) {
                b.body(new byte[0]);
                for (String chunk : chunks.isEmpty() ? List.of(DEFAULT_BODY) : chunks) {
                    b.bodyChunk(chunk.replaceAll("\r?\n", "\r\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            a.all("unknown").forEach(b::unknown);
            return b.build();
        }
    }
}
