package dev.miltermanager.daemon;

import dev.miltermanager.daemon.control.ControlClient;
import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * {@code java -jar milter-manager.jar [options]}: runs the manager until SIGTERM or SIGINT, then lets open sessions
 * finish for up to {@value #SHUTDOWN_GRACE_SECONDS} seconds. With no option it listens on
 * {@code inet:10025@[127.0.0.1]} with no child milter, answering every session with the fallback status (accept).
 */
public final class Main {
    static final int SHUTDOWN_GRACE_SECONDS = 30;

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("ctl")) {   // milter-manager ctl COMMAND...: the control client
            System.exit(ControlClient.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs the daemon; returns the exit status (0 after a normal shutdown, 2 for bad arguments, 1 for failures). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine line;
        try {
            line = CommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("milter-manager: " + e.getMessage());
            err.println("Try 'milter-manager --help'.");
            return 2;
        }
        if (line.help()) {
            out.print(CommandLine.USAGE);
            return 0;
        }
        if (line.version()) {
            out.println("milter-manager " + version());
            return 0;
        }
        configureLogging(line.logLevel());
        MilterManagerConfig config = line.toConfig();
        try (MilterManager manager = MilterManager.create(config)) {
            manager.start();
            out.println("milter-manager " + version() + " listening on " + manager.localSpec() + " with "
                    + describeChildren(config));
            out.flush();
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                manager.shutdown(Duration.ofSeconds(SHUTDOWN_GRACE_SECONDS));
                stopped.countDown();
            }, "milter-manager-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            stopped.await();
            return 0;
        } catch (IOException e) {
            err.println("milter-manager: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static String describeChildren(MilterManagerConfig config) {
        if (config.enabledChildren().isEmpty()) {
            return "no child milter (every session is answered " + config.fallbackStatus().configName() + ")";
        }
        StringBuilder s = new StringBuilder(config.enabledChildren().size() + " child milter(s):");
        for (ChildConfig c : config.enabledChildren()) {
            s.append(' ').append(c.name()).append('=').append(c.connectionSpec());
        }
        return s.toString();
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }

    /** One line per record on standard error, at the chosen level. */
    private static void configureLogging(Level level) {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %5$s%6$s%n");
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(level);
        root.addHandler(handler);
        root.setLevel(level);
    }

    /** The parsed command line. */
    record CommandLine(boolean help, boolean version, ConnectionSpec connectionSpec, Level logLevel,
            List<ChildConfig> children) {
        static final String USAGE = """
                Usage: milter-manager [OPTION...]

                A milter that manages other milters: the MTA talks to milter-manager as to one milter, and
                milter-manager fans each session out to its child milters.

                  -s, --connection-spec=SPEC   where to listen for the MTA (default inet:10025@[127.0.0.1]);
                                               inet:PORT[@HOST|@[ADDR]], inet6:PORT[@HOST|@[ADDR]], unix:PATH
                      --milter=NAME=SPEC       add a child milter (repeatable; in order)
                      --log-level=LEVEL        error, warning, info (default), debug, all
                  -h, --help                   show this help and exit
                      --version                show the version and exit
                """;

        static CommandLine parse(String[] args) {
            boolean help = false;
            boolean version = false;
            ConnectionSpec spec = MilterManagerConfig.DEFAULT_CONNECTION_SPEC;
            Level level = Level.INFO;
            List<ChildConfig> children = new ArrayList<>();
            Deque<String> rest = new ArrayDeque<>(List.of(args));
            while (!rest.isEmpty()) {
                String arg = rest.poll();
                int eq = arg.startsWith("--") ? arg.indexOf('=') : -1;
                String name = eq > 0 ? arg.substring(0, eq) : arg;
                String inline = eq > 0 ? arg.substring(eq + 1) : null;
                switch (name) {
                    case "-h", "--help" -> help = true;
                    case "--version" -> version = true;
                    case "-s", "--connection-spec" -> spec = ConnectionSpec.parse(value(rest, inline, name));
                    case "--log-level" -> level = logLevel(value(rest, inline, name));
                    case "--milter" -> children.add(child(value(rest, inline, name)));
                    default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
                }
            }
            return new CommandLine(help, version, spec, level, children);
        }

        private static String value(Deque<String> rest, String inline, String name) {
            if (inline != null) {
                return inline;
            }
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("option '" + name + "' needs a value");
            }
            return rest.poll();
        }

        private static ChildConfig child(String value) {
            int eq = value.indexOf('=');
            if (eq <= 0 || eq == value.length() - 1) {
                throw new IllegalArgumentException("--milter expects NAME=SPEC, for example clamav=unix:/run/clamav.sock");
            }
            return ChildConfig.of(value.substring(0, eq), ConnectionSpec.parse(value.substring(eq + 1)));
        }

        private static Level logLevel(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "error", "critical" -> Level.SEVERE;
                case "warning" -> Level.WARNING;
                case "info", "message", "statistics", "default" -> Level.INFO;
                case "debug" -> Level.FINE;
                case "all", "trace" -> Level.ALL;
                default -> throw new IllegalArgumentException("unknown log level '" + value
                        + "' (expected error, warning, info, debug or all)");
            };
        }

        MilterManagerConfig toConfig() {
            MilterManagerConfig.Builder b = MilterManagerConfig.builder().connectionSpec(connectionSpec);
            children.forEach(b::addChild);
            return b.build();
        }
    }
}
