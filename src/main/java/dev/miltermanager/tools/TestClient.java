package dev.miltermanager.tools;

import dev.miltermanager.milter.MessageEditor;
import dev.miltermanager.milter.Milter;
import dev.miltermanager.milter.MilterContext;
import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.milter.MilterSpec;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.WireText;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code milter-test-client}: a milter that continues at every event and prints everything it receives, macros
 * included, to debug what an MTA (or a milter manager) sends. See {@code docs/tools.md}.
 */
public final class TestClient {
    static final String DEFAULT_SPEC = "inet:10025@[127.0.0.1]";
    private static final Set<String> WITH_VALUE = Set.of("connection-spec", "log-level");
    private static final Set<String> FLAGS = Set.of("no-report-request", "verbose", "version", "help");
    private static final Map<Character, String> SHORT = Map.of('s', "connection-spec", 'v', "verbose");

    static final String USAGE = """
            Usage: milter-test-client [options]
            A milter that continues at every event and prints every event it receives with its macros.

              -s, --connection-spec=SPEC  where to listen: inet:PORT@HOST, inet:PORT@[ADDR], inet6:..., unix:PATH
                                          (inet:10025@[127.0.0.1])
                  --no-report-request     do not print the MTA's negotiation offer
                  --log-level=LEVEL       accepted for compatibility; the tool logs nothing but its report
              -v, --verbose               also print the text of each body chunk
                  --version               print the version
                  --help                  print this help
            It runs until interrupted (SIGINT/SIGTERM). Exit status 1 when it cannot listen, 2 for bad options.
            """;

    private TestClient() {
    }

    public static void main(String[] args) throws InterruptedException {
        int status = run(args, System.out, System.err, new CountDownLatch(1));
        System.exit(status);
    }

    /** Serves until {@code stop} is counted down (never, from {@link #main}: the JVM ends on a signal). */
    static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) throws InterruptedException {
        Arguments a;
        ConnectionSpec spec;
        try {
            a = Arguments.parse(args, WITH_VALUE, FLAGS, SHORT);
            spec = ConnectionSpec.parse(a.get("connection-spec", DEFAULT_SPEC));
        } catch (IllegalArgumentException e) {
            err.println("milter-test-client: " + e.getMessage());
            err.println("Try 'milter-test-client --help'.");
            return 2;
        }
        if (a.has("help")) {
            out.print(USAGE);
            return 0;
        }
        if (a.has("version")) {
            out.println("milter-test-client " + Version.current());
            return 0;
        }
        boolean reportRequest = !a.has("no-report-request");
        boolean verbose = a.has("verbose");
        AtomicInteger sessions = new AtomicInteger();
        try (MilterServer server = MilterServer.create(spec, MilterSpec.defaults(),
                context -> new Printer(out, context, sessions.incrementAndGet(), reportRequest, verbose))) {
            server.start();
            out.println("milter-test-client listening on " + server.boundSpec());
            out.flush();
            stop.await();
            return 0;
        } catch (IOException e) {
            err.println("milter-test-client: " + e.getMessage());
            return 1;
        }
    }

    /** One connection's events, printed as they arrive. */
    private static final class Printer implements Milter {
        private static final Response.Decision CONTINUE = new Response.Continue();
        private final PrintStream out;
        private final MilterContext context;
        private final String prefix;
        private final boolean reportRequest;
        private final boolean verbose;

        Printer(PrintStream out, MilterContext context, int session, boolean reportRequest, boolean verbose) {
            this.out = out;
            this.context = context;
            this.prefix = "[" + session + "] ";
            this.reportRequest = reportRequest;
            this.verbose = verbose;
        }

        private Response.Decision print(String event, MacroStage stage) {
            StringBuilder text = new StringBuilder(prefix).append(event).append('\n');
            if (stage != null) {
                context.macros(stage).forEach((name, value) -> text.append(prefix).append("  macro ")
                        .append(name).append(" = ").append(value).append('\n'));
            }
            out.print(text);
            out.flush();
            return CONTINUE;
        }

        @Override
        public Response.Decision connect(Command.Connect client) {
            if (reportRequest) {
                print("negotiate: " + context.options(), null);
            }
            return print("connect: " + client.hostname() + " " + client.family() + " " + client.address()
                    + (client.port() == 0 ? "" : " port " + client.port()), MacroStage.CONNECT);
        }

        @Override
        public Response.Decision helo(String name) {
            return print("helo: " + name, MacroStage.HELO);
        }

        @Override
        public Response.Decision mailFrom(String sender, List<String> esmtpArgs) {
            return print("envelope-from: " + sender + args(esmtpArgs), MacroStage.ENVFROM);
        }

        @Override
        public Response.Decision recipient(String recipient, List<String> esmtpArgs) {
            return print("envelope-recipient: " + recipient + args(esmtpArgs), MacroStage.ENVRCPT);
        }

        @Override
        public Response.Decision data() {
            return print("data", MacroStage.DATA);
        }

        @Override
        public Response.Decision header(String name, String value) {
            return print("header: " + name + ": " + value.replace("\n", "\n" + prefix + "  "), null);
        }

        @Override
        public Response.Decision endOfHeaders() {
            return print("end-of-header", MacroStage.EOH);
        }

        @Override
        public Response.Decision body(ByteBuffer chunk) {
            byte[] bytes = new byte[chunk.remaining()];
            chunk.duplicate().get(bytes);
            String text = WireText.decode(bytes, 0, bytes.length);
            return print("body: " + bytes.length + " bytes" + (!verbose ? "" : "\n" + prefix + "  "
                    + text.replace("\r\n", "\n").replace("\n", "\n" + prefix + "  ").stripTrailing()), null);
        }

        @Override
        public Response.Decision endOfMessage(MessageEditor editor) {
            return print("end-of-message", MacroStage.EOM);
        }

        @Override
        public Response.Decision unknown(String line) {
            return print("unknown: " + line, null);
        }

        @Override
        public void abort() {
            print("abort", null);
        }

        @Override
        public void close() {
            print("quit", null);
        }

        private static String args(List<String> esmtpArgs) {
            return esmtpArgs.isEmpty() ? "" : " " + String.join(" ", esmtpArgs);
        }
    }
}
