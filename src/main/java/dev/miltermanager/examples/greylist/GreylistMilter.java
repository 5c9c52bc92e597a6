package dev.miltermanager.examples.greylist;

import dev.miltermanager.milter.MessageEditor;
import dev.miltermanager.milter.Milter;
import dev.miltermanager.milter.MilterContext;
import dev.miltermanager.milter.MilterServer;
import dev.miltermanager.milter.MilterSpec;
import dev.miltermanager.milter.Verdict;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An example milter written with {@code dev.miltermanager.milter}: greylisting. Each recipient of a message is
 * checked against a {@link Greylist}; the first attempt of a (client address, sender, recipient) triplet is answered
 * {@code 451 4.7.1} (that recipient only), a retry after the delay passes, and a message that passed after a delay
 * gets an {@code X-Greylist: Delayed for H:MM:SS by ...} header, as milter-greylist adds. Clients without an IP
 * address (a Unix socket) and loopback clients are never greylisted.
 *
 * <p>It is the greylisting child of the seed's showcase: behind the milter manager, with the conditions
 * {@code S25R, DNSBL Listed}, it delays only dynamic-looking, listed clients ({@code docs/showcase.md}).
 *
 * <p>Run it: {@code java -cp milter-manager.jar dev.miltermanager.examples.greylist.GreylistMilter
 * [--delay SECONDS] [--retry-window SECONDS] [--pass-lifetime SECONDS] [--no-header] [SPEC]} (SPEC defaults to
 * {@code inet:10026@[127.0.0.1]}).
 */
public final class GreylistMilter implements Milter {
    /** The spec it listens on when run without one. */
    public static final String DEFAULT_SPEC = "inet:10026@[127.0.0.1]";

    private static final DateTimeFormatter RFC_5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z",
            Locale.ROOT);

    private final MilterContext context;
    private final Greylist greylist;
    private final boolean addHeader;
    private final Clock clock;
    private String client;
    private String sender;
    private Duration delayed;

    private GreylistMilter(MilterContext context, Greylist greylist, boolean addHeader, Clock clock) {
        this.context = context;
        this.greylist = greylist;
        this.addHeader = addHeader;
        this.clock = clock;
    }

    /** What it declares in negotiation: CONNECT, MAIL, RCPT and end of message; ADD_HEADERS when it adds one. */
    public static MilterSpec spec(boolean addHeader) {
        MilterSpec.Builder b = MilterSpec.builder().events(Stage.CONNECT, Stage.MAIL, Stage.RCPT)
                .macros(MacroStage.CONNECT, "j");
        if (addHeader) {
            b.actions(Action.ADD_HEADERS);
        }
        return b.build();
    }

    /**
     * A server for the greylist, not started.
     *
     * @param addHeader whether a message that passed after a delay gets an {@code X-Greylist} header
     */
    public static MilterServer server(ConnectionSpec listen, Greylist greylist, boolean addHeader, Clock clock) {
        return MilterServer.create(listen, spec(addHeader),
                context -> new GreylistMilter(context, greylist, addHeader, clock));
    }

    @Override
    public Response.Decision connect(Command.Connect connect) {
        client = switch (connect.family()) {
            case INET, INET6 -> isLoopback(connect.address()) ? null : connect.address();
            default -> null;
        };
        return Verdict.CONTINUE;
    }

    private static boolean isLoopback(String address) {
        try {
            // the MTA sends a numeric address: no DNS lookup happens
            return InetAddress.getByName(address.contains(":") ? "[" + address + "]" : address).isLoopbackAddress();
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public Response.Decision mailFrom(String from, List<String> esmtpArgs) {
        sender = from;
        delayed = null;
        return Verdict.CONTINUE;
    }

    @Override
    public Response.Decision recipient(String recipient, List<String> esmtpArgs) {
        if (client == null) {
            return Verdict.CONTINUE;
        }
        return switch (greylist.check(client, sender, recipient)) {
            case Greylist.Decision.Deferred d -> Verdict.tempFail(451, "4.7.1",
                    "Greylisted: please try again in " + Math.max(1, d.retryIn().toSeconds()) + " seconds");
            case Greylist.Decision.Passed p -> {
                if (!p.delayed().isZero() && (delayed == null || p.delayed().compareTo(delayed) > 0)) {
                    delayed = p.delayed();
                }
                yield Verdict.CONTINUE;
            }
        };
    }

    @Override
    public Response.Decision endOfMessage(MessageEditor editor) {
        if (addHeader && delayed != null) {
            String host = context.macro("j").orElse("localhost");
            editor.addHeader("X-Greylist", "Delayed for " + hms(delayed) + " by milter-manager greylist example ("
                    + host + " [" + client + "]); " + RFC_5322.format(ZonedDateTime.now(clock)));
        }
        return Verdict.CONTINUE;
    }

    private static String hms(Duration d) {
        return String.format(Locale.ROOT, "%02d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }

    /** Serves the greylist until the process is stopped; see the class comment for the arguments. */
    public static void main(String[] args) throws IOException, InterruptedException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("greylist: " + e.getMessage());
            System.err.println("usage: GreylistMilter [--delay SECONDS] [--retry-window SECONDS]"
                    + " [--pass-lifetime SECONDS] [--no-header] [SPEC]");
            System.exit(2);
            return;
        }
        Greylist greylist = Greylist.create(options.settings());
        MilterServer server = server(options.spec(), greylist, options.addHeader(), Clock.systemDefaultZone());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.shutdown(Duration.ofSeconds(10))));
        server.start();
        System.out.println("greylist listening on " + server.boundSpec() + " (delay " + options.settings().delay()
                .toSeconds() + " s)");
        Thread.currentThread().join();
    }

    /** The command line. */
    record Options(ConnectionSpec spec, Greylist.Settings settings, boolean addHeader) {
        static Options parse(String... args) {
            Duration delay = Greylist.DEFAULT_DELAY;
            Duration window = Greylist.DEFAULT_RETRY_WINDOW;
            Duration lifetime = Greylist.DEFAULT_PASS_LIFETIME;
            boolean header = true;
            Optional<String> spec = Optional.empty();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--delay" -> delay = seconds(args, ++i);
                    case "--retry-window" -> window = seconds(args, ++i);
                    case "--pass-lifetime" -> lifetime = seconds(args, ++i);
                    case "--no-header" -> header = false;
                    default -> {
                        if (args[i].startsWith("-") || spec.isPresent()) {
                            throw new IllegalArgumentException("unexpected argument " + args[i]);
                        }
                        spec = Optional.of(args[i]);
                    }
                }
            }
            return new Options(ConnectionSpec.parse(spec.orElse(DEFAULT_SPEC)),
                    new Greylist.Settings(delay, window, lifetime), header);
        }

        private static Duration seconds(String[] args, int i) {
            if (i >= args.length) {
                throw new IllegalArgumentException(args[i - 1] + " needs a number of seconds");
            }
            try {
                return Duration.ofSeconds(Long.parseLong(args[i]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(args[i - 1] + " needs a number of seconds, not " + args[i]);
            }
        }
    }
}
