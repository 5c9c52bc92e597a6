package dev.miltermanager.daemon.control;

import dev.miltermanager.transport.Connection;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.Deadline;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * {@code milter-manager ctl COMMAND [--control-spec SPEC] [--token-file FILE]}: sends one command to a running
 * daemon's {@link ControlServer} and prints its answer. Exit status 0 when the command succeeded, 1 when it failed
 * or the daemon could not be reached, 2 for a bad command line.
 *
 * <p>The spec defaults to {@code $MILTER_MANAGER_CONTROL_SPEC}, else {@value #DEFAULT_CONTROL_SPEC}; the token file
 * (needed for a TCP spec) to {@code $MILTER_MANAGER_CONTROL_TOKEN_FILE}.
 */
public final class ControlClient {
    /** Where the packaged configuration puts the control socket. */
    public static final String DEFAULT_CONTROL_SPEC = "unix:/run/milter-manager/control.sock";
    /** How long connecting and each answer may take ({@code reload} and {@code stop} can take a while). */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    static final String USAGE = """
            Usage: milter-manager ctl COMMAND [--control-spec SPEC] [--token-file FILE]

            Sends COMMAND to a running milter-manager through its control interface (controller.connection_spec):
              status              uptime, sessions, and per child milter: reachable, answers, failures, latency
              reload              read the configuration again; new sessions use it, running ones finish as they are
              stop                stop accepting, let open sessions finish, then exit
              get-configuration   print the effective configuration

              --control-spec=SPEC  the control socket (default $MILTER_MANAGER_CONTROL_SPEC, else %s)
              --token-file=FILE    the token file of a TCP control socket (default $MILTER_MANAGER_CONTROL_TOKEN_FILE)
            """.formatted(DEFAULT_CONTROL_SPEC);

    private ControlClient() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line (without the leading {@code ctl}); returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String command = null;
        String spec = Optional.ofNullable(System.getenv("MILTER_MANAGER_CONTROL_SPEC")).orElse(DEFAULT_CONTROL_SPEC);
        Optional<Path> tokenFile = Optional.ofNullable(System.getenv("MILTER_MANAGER_CONTROL_TOKEN_FILE"))
                .map(Path::of);
        ConnectionSpec parsed;
        try {
            Deque<String> rest = new ArrayDeque<>(List.of(args));
            while (!rest.isEmpty()) {
                String arg = rest.poll();
                int eq = arg.startsWith("--") ? arg.indexOf('=') : -1;
                String name = eq > 0 ? arg.substring(0, eq) : arg;
                String inline = eq > 0 ? arg.substring(eq + 1) : null;
                switch (name) {
                    case "-h", "--help" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    case "--control-spec" -> spec = value(rest, inline, name);
                    case "--token-file" -> tokenFile = Optional.of(Path.of(value(rest, inline, name)));
                    default -> {
                        if (arg.startsWith("-") || command != null) {
                            throw new IllegalArgumentException("unexpected argument '" + arg + "'");
                        }
                        command = arg;
                    }
                }
            }
            if (command == null) {
                throw new IllegalArgumentException("no command given (expected one of "
                        + String.join(", ", ControlProtocol.COMMANDS) + ")");
            }
            parsed = ConnectionSpec.parse(spec);
        } catch (IllegalArgumentException e) {
            err.println("milter-manager ctl: " + e.getMessage());
            err.println("Try 'milter-manager ctl --help'.");
            return 2;
        }
        try {
            ControlReply reply = send(parsed, tokenFile, command);
            (reply.ok() ? out : err).print(reply.text());
            return reply.ok() ? 0 : 1;
        } catch (IOException e) {
            err.println("milter-manager ctl: cannot reach the control interface at " + parsed + ": " + e.getMessage());
            return 1;
        }
    }

    /**
     * Sends one command and returns the daemon's reply.
     *
     * @param tokenFile the token file, for a TCP control socket; its token is sent first
     * @throws IOException if the daemon cannot be reached, the token file read, or the reply is not one
     */
    public static ControlReply send(ConnectionSpec spec, Optional<Path> tokenFile, String command) throws IOException {
        StringBuilder request = new StringBuilder();
        if (tokenFile.isPresent()) {
            request.append(ControlProtocol.TOKEN).append(TokenFile.read(tokenFile.get())).append('\n');
        }
        request.append(command).append('\n');
        Connection connection = Connection.connect(spec, TIMEOUT);
        try (Deadline d = connection.deadline(TIMEOUT, "waiting for the control reply")) {
            connection.write(ByteBuffer.wrap(request.toString().getBytes(StandardCharsets.UTF_8)));
            return ControlProtocol.decode(connection.input());
        } finally {
            connection.close();
        }
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
}
