package dev.miltermanager.interop;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A real child milter in its own process: {@code c-child} (Sendmail's libmilter, compiled by the test) or
 * {@code py-child.py} (pymilter under {@code /usr/bin/python3}). Both are scripted by the same command line
 * (rules per stage, edits at end of message, macro requests, no-reply stages) and write the same event log;
 * see the comment at the top of {@code src/test/resources/interop/c-child.c} for the language and the log format.
 *
 * {@snippet :
 * try (InteropChild child = InteropChild.c("one")
 *         .rule("header:Subject: spam=reply:550:5.7.1:no spam")
 *         .edit("add-header:X-Seen-By:{name}")
 *         .start()) {
 *     // point an MTA (or the manager) at child.postfixSpec() / child.connectionSpec(), send mail, then:
 *     List<String> events = child.awaitEvent("close", Duration.ofSeconds(5));
 * }
 * }
 *
 * <p>{@link Builder#start()} returns once the child accepts connections; a child that dies first, a missing
 * compiler, library or interpreter are loud failures. {@link #close()} kills the process and removes its files.
 * Instances are thread-safe; {@link #events()} may be read while the child runs.
 */
public final class InteropChild implements AutoCloseable {

    /** Which implementation runs. */
    public enum Kind { C, PYTHON }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final String PYTHON = "/usr/bin/python3";
    private static final Set<InteropChild> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(InteropChild::close)));
    }

    private final Kind kind;
    private final String name;
    private final Path directory;
    private final Path log;
    private final Path output;
    private final Path unixSocket; // null for TCP
    private final int port;        // 0 for a Unix socket
    private final Process process;

    private InteropChild(Builder builder, Path directory, Path unixSocket, int port) throws IOException {
        this.kind = builder.kind;
        this.name = builder.name;
        this.directory = directory;
        this.log = directory.resolve("events.log");
        this.output = directory.resolve("output.txt");
        this.unixSocket = unixSocket;
        this.port = port;
        List<String> command = new ArrayList<>();
        if (kind == Kind.C) {
            command.add(InteropBuild.compiled("c-child.c", "milter", "pthread").toString());
        } else {
            if (!Files.isExecutable(Path.of(PYTHON))) {
                throw new IllegalStateException(PYTHON + " is missing; py-child needs it with pymilter "
                        + "(Debian package python3-milter, installed by .ci/run)");
            }
            command.add(PYTHON);
            command.add(InteropBuild.resource("py-child.py").toString());
        }
        command.addAll(List.of("-s", librarySpec(), "-n", name, "-l", log.toString()));
        command.addAll(builder.arguments);
        this.process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        RUNNING.add(this);
    }

    /** A builder for the libmilter (C) child called {@code name}. */
    public static Builder c(String name) {
        return new Builder(Kind.C, name);
    }

    /** A builder for the pymilter child called {@code name}. */
    public static Builder python(String name) {
        return new Builder(Kind.PYTHON, name);
    }

    /** A builder for either kind. */
    public static Builder of(Kind kind, String name) {
        return new Builder(kind, name);
    }

    public Kind kind() {
        return kind;
    }

    public String name() {
        return name;
    }

    /** The socket in milter-manager's spelling: {@code inet:PORT@[127.0.0.1]} or {@code unix:/path}. */
    public String connectionSpec() {
        return unixSocket != null ? "unix:" + unixSocket : "inet:" + port + "@[127.0.0.1]";
    }

    /** The socket in Postfix's {@code smtpd_milters} spelling: {@code inet:127.0.0.1:PORT} or {@code unix:/path}. */
    public String postfixSpec() {
        return unixSocket != null ? "unix:" + unixSocket : "inet:127.0.0.1:" + port;
    }

    /** The socket in libmilter's spelling, as given to the child: {@code inet:PORT@127.0.0.1} or {@code unix:/path}. */
    public String librarySpec() {
        return unixSocket != null ? "unix:" + unixSocket : "inet:" + port + "@127.0.0.1";
    }

    /** Every complete log line written so far, oldest first. */
    public List<String> events() {
        try {
            if (!Files.exists(log)) {
                return List.of();
            }
            String text = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n'); // a line still being written is left for the next call
            return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n", -1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + log, e);
        }
    }

    /** Waits until a log line equals {@code line}; returns all lines then. */
    public List<String> awaitEvent(String line, Duration timeout) {
        return awaitEvent(line::equals, "a line equal to \"" + line + "\"", timeout);
    }

    /**
     * Waits until a log line matches; returns all lines then.
     *
     * @throws AssertionError on timeout, with the lines seen and the child's output
     */
    public List<String> awaitEvent(Predicate<String> matcher, String description, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> events = events();
            if (events.stream().anyMatch(matcher)) {
                return events;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(this + ": no " + description + " within " + timeout + "; events:\n  "
                        + String.join("\n  ", events) + "\noutput:\n" + output());
            }
            pause(20);
        }
    }

    /** What the child printed on stdout and stderr. */
    public String output() {
        return Processes.readOrNote(output);
    }

    /**
     * The lines with what changes from run to run masked, so two runs (or the two children) can be compared:
     * the client port ({@code port=*}) and the queue id macro ({@code i=*}).
     */
    public static List<String> comparable(List<String> events) {
        return events.stream()
                .map(line -> line.startsWith("connect ") ? line.replaceFirst(" port=\\d+$", " port=*") : line)
                .map(line -> line.matches("macro \\w+ i=.*") ? line.replaceFirst(" i=.*", " i=*") : line)
                .toList();
    }

    /** Kills the process (and anything it started) and removes the socket, log and output files. */
    @Override
    public void close() {
        RUNNING.remove(this);
        Processes.destroyTree(process.toHandle(), Duration.ofSeconds(5));
        Processes.deleteTree(directory);
    }

    @Override
    public String toString() {
        return (kind == Kind.C ? "c-child " : "py-child ") + name + " on " + connectionSpec();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(this + " exited with status " + process.exitValue()
                        + " before accepting connections; its output:\n" + output());
            }
            if (accepts()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(this + " does not accept connections after " + START_TIMEOUT
                        + "; its output:\n" + output());
            }
            pause(20);
        }
    }

    /** One probe connection; the children log nothing for a connection that closes before negotiation. */
    private boolean accepts() {
        try {
            if (unixSocket != null) {
                if (!Files.exists(unixSocket)) {
                    return false;
                }
                try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    channel.connect(UnixDomainSocketAddress.of(unixSocket));
                }
            } else {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The child's command line: each method adds one option (see the language in {@code c-child.c}).
     * Not thread-safe; use once.
     */
    public static final class Builder {
        private final Kind kind;
        private final String name;
        private final List<String> arguments = new ArrayList<>();
        private boolean tcp;

        private Builder(Kind kind, String name) {
            if (name == null || name.isEmpty() || name.contains(" ")) {
                throw new IllegalArgumentException("a child needs a name without spaces: " + name);
            }
            this.kind = kind;
            this.name = name;
        }

        /** {@code -r STAGE[:MATCH]=ACTION}, e.g. {@code "rcpt:bad@=tempfail"}. */
        public Builder rule(String rule) {
            return option("-r", rule);
        }

        /** {@code -e EDIT}, e.g. {@code "add-header:X-Child:{name}"}. */
        public Builder edit(String edit) {
            return option("-e", edit);
        }

        /** {@code -m STAGE:MACROS}: request macros for a stage, e.g. {@code macros("connect", "j {daemon_name}")}. */
        public Builder macros(String stage, String names) {
            return option("-m", stage + ":" + names);
        }

        /** {@code -N STAGE}: negotiate no reply for that stage where the MTA offers it. */
        public Builder noReply(String... stages) {
            Arrays.stream(stages).forEach(stage -> option("-N", stage));
            return this;
        }

        /** Listen on a free loopback TCP port instead of a Unix socket (the default). */
        public Builder tcp() {
            this.tcp = true;
            return this;
        }

        private Builder option(String flag, String value) {
            arguments.add(flag);
            arguments.add(value);
            return this;
        }

        /** Starts the child and waits until it accepts connections. */
        public InteropChild start() {
            Path directory = null;
            InteropChild child = null;
            try {
                // Postfix's smtpd (user postfix) must reach the socket: a searchable directory, a writable socket.
                directory = Files.createTempDirectory("milter-child-",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                Path socket = tcp ? null : directory.resolve("milter.sock");
                child = new InteropChild(this, directory, socket, tcp ? freePort() : 0);
                child.awaitReady();
                if (socket != null) {
                    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
                }
                return child;
            } catch (IOException | RuntimeException e) {
                if (child != null) {
                    child.close();
                } else {
                    Processes.deleteTree(directory);
                }
                if (e instanceof IOException io) {
                    throw new UncheckedIOException("cannot start " + kind + " child " + name, io);
                }
                throw (RuntimeException) e;
            }
        }
    }

    /** A loopback port that was free a moment ago (the child binds it itself). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
