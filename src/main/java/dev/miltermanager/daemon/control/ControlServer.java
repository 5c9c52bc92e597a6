package dev.miltermanager.daemon.control;

import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.transport.Connection;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.Deadline;
import dev.miltermanager.transport.Listener;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.net.ExtendedSocketOptions;

/**
 * The daemon's control interface: answers {@code status}, {@code reload}, {@code stop} and
 * {@code get-configuration}, one command per connection (protocol in {@code docs/operations.md}), on a Unix
 * socket or a loopback TCP port (see {@link ControlOptions} for how each is protected). Each command is logged with
 * who asked (the peer's user on a Unix socket, its address on TCP).
 *
 * {@snippet :
 * ControlServer control = ControlServer.start(ControlOptions.unix(Path.of("/run/milter-manager/control.sock")),
 *         manager, handler);
 * // ... until the daemon stops
 * control.close();
 * }
 *
 * <p>Thread-safe. Connections are served one at a time on the server's own (virtual) thread, so a {@code reload}
 * never runs twice at once.
 */
public final class ControlServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ControlServer.class.getName());
    /** How long a client may take to send its request. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** How long writing the reply may take. */
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);

    private final Listener listener;
    private final MilterManager manager;
    private final ControlHandler handler;
    private final TokenFile token;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;

    private ControlServer(Listener listener, MilterManager manager, ControlHandler handler, TokenFile token) {
        this.listener = listener;
        this.manager = manager;
        this.handler = handler;
        this.token = token;
    }

    /**
     * Listens and starts answering.
     *
     * @throws IllegalArgumentException if a TCP spec is not a loopback address, or has no token file
     * @throws IOException if the socket or the token file cannot be created (the message names which)
     */
    public static ControlServer start(ControlOptions options, MilterManager manager, ControlHandler handler)
            throws IOException {
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(handler, "handler");
        ConnectionSpec spec = options.connectionSpec();
        TokenFile token = null;
        if (spec instanceof ConnectionSpec.Inet) {
            SocketAddress address = spec.toSocketAddress();
            if (!(address instanceof InetSocketAddress inet) || !inet.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("controller.connection_spec " + spec + " is not on the loopback"
                        + " interface: the control interface listens on a Unix socket or on 127.0.0.1/[::1] only");
            }
            Optional<java.nio.file.Path> file = options.tokenFile();
            if (file.isEmpty()) {
                throw new IllegalArgumentException("controller.connection_spec " + spec + " is a TCP socket: it needs"
                        + " controller.token_file, where the token clients must present is written (mode 0600)");
            }
            try {
                token = TokenFile.create(file.get());
            } catch (IOException e) {
                throw new IOException("cannot write the control token file " + file.get() + ": " + e.getMessage(), e);
            }
        }
        Listener listener;
        try {
            listener = Listener.open(spec, options.listenOptions());
        } catch (IOException e) {
            if (token != null) {
                token.delete();
            }
            throw new IOException("cannot listen for control commands on " + spec + ": " + e.getMessage(), e);
        }
        ControlServer server = new ControlServer(listener, manager, handler, token);
        Thread.ofVirtual().name("milter-manager-control").start(server::acceptLoop);
        LOG.log(Level.INFO, () -> "[control][listen] " + listener.localSpec()
                + (server.token != null ? " (token in " + server.token.path() + ")" : ""));
        return server;
    }

    /** The spec listened on (with the real port when 0 was asked). */
    public ConnectionSpec localSpec() {
        return listener.localSpec();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.ERROR, "[control][error] cannot accept a connection: " + e.getMessage());
                }
                continue;
            }
            String peer = describePeer(channel);
            Connection connection = Connection.of(channel);
            try {
                serve(connection, peer);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, () -> "[control][error] request from " + peer + " failed: " + e.getMessage());
            } finally {
                connection.close();
            }
        }
    }

    private void serve(Connection connection, String peer) throws IOException {
        String command;
        try (Deadline d = connection.deadline(REQUEST_TIMEOUT, "reading a control request")) {
            InputStream in = connection.input();
            String line = ControlProtocol.readLine(in);
            if (line != null && line.startsWith(ControlProtocol.TOKEN)) {
                String presented = line.substring(ControlProtocol.TOKEN.length()).strip();
                if (token != null && !token.matches(presented)) {
                    LOG.log(Level.WARNING, () -> "[control][denied] a wrong token from " + peer);
                    reply(connection, ControlReply.error("wrong token"));
                    return;
                }
                line = ControlProtocol.readLine(in);
            } else if (token != null) {
                LOG.log(Level.WARNING, () -> "[control][denied] no token from " + peer);
                reply(connection, ControlReply.error("this control socket needs a token: send 'token HEX' first "
                        + "(milter-manager ctl --token-file FILE)"));
                return;
            }
            command = line == null ? "" : line.strip();
        }
        String asked = command;
        LOG.log(Level.INFO, () -> "[control][" + asked + "] from " + peer);
        switch (command) {
            case "status" -> reply(connection, ControlReply.ok(StatusReport.render(manager, Instant.now())));
            case "get-configuration" -> reply(connection, ControlReply.ok(handler.configuration()));
            case "reload" -> {
                ControlReply result = handler.reload();
                LOG.log(result.ok() ? Level.INFO : Level.ERROR, () -> "[control][reload] "
                        + (result.ok() ? "done: " : "failed, the running configuration is kept: ") + result.text());
                reply(connection, result);
            }
            case "stop" -> {
                reply(connection, ControlReply.ok("stopping: no new connection is accepted; open sessions finish"));
                handler.stop();
            }
            default -> reply(connection, ControlReply.error("unknown command '" + command + "' (expected one of "
                    + String.join(", ", ControlProtocol.COMMANDS) + ")"));
        }
    }

    private static void reply(Connection connection, ControlReply reply) throws IOException {
        try (Deadline d = connection.deadline(REPLY_TIMEOUT, "writing a control reply")) {
            connection.write(ByteBuffer.wrap(ControlProtocol.encode(reply)));
        }
    }

    /** Who is asking: the user and group of a Unix peer (from the kernel), the address of a TCP one. */
    private static String describePeer(SocketChannel channel) {
        try {
            if (channel.getRemoteAddress() instanceof InetSocketAddress inet) {
                return inet.getAddress().getHostAddress() + ":" + inet.getPort();
            }
            var credentials = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return "user " + credentials.user().getName() + " (group " + credentials.group().getName() + ")";
        } catch (IOException | UnsupportedOperationException e) {
            return "a local process";
        }
    }

    /** Stops listening, removes the Unix socket file and the token file. Idempotent. */
    @Override
    public void close() {
        if (closing.getAndSet(true)) {
            return;
        }
        closed = true;
        listener.close();
        if (token != null) {
            token.delete();
        }
    }
}
