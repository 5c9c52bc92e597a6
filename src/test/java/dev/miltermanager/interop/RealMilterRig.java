package dev.miltermanager.interop;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.protocol.Action;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.ProtocolFlag;
import dev.miltermanager.protocol.Response;
import dev.miltermanager.transport.ConnectionSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * Our {@link MilterClient} connected to a real child milter ({@link InteropChild}, libmilter or pymilter) for one
 * test: the "client against real milters" tests drive the client and read the child's event log. Closing the rig
 * closes both. Not thread-safe (one test uses it).
 */
record RealMilterRig(InteropChild child, MilterClient client) implements AutoCloseable {

    /** What Postfix 3.x offers ({@code milter_protocol = 6}): every action, every protocol flag. */
    static final Command.Negotiate POSTFIX_V6 = new Command.Negotiate(6, Action.ALL, ProtocolFlag.ALL);
    /** What an MTA speaking protocol version 2 offers (Sendmail 8.12, Postfix before 2.6). */
    static final Command.Negotiate V2 = new Command.Negotiate(2, Action.V2, ProtocolFlag.V2);
    /** Long enough never to fire in a passing test, short enough to end a broken one. */
    static final Duration WAIT = Duration.ofSeconds(5);
    static final ClientOptions OPTIONS = ClientOptions.builder().allTimeouts(WAIT).build();
    static final Response.Continue CONTINUE = new Response.Continue();

    /** Starts the child and connects the client with {@link #OPTIONS}; nothing is negotiated yet. */
    static RealMilterRig start(InteropChild.Builder child) {
        return start(child, OPTIONS);
    }

    /** Starts the child and connects the client with these options; nothing is negotiated yet. */
    static RealMilterRig start(InteropChild.Builder builder, ClientOptions options) {
        InteropChild child = builder.start();
        try {
            String name = (child.kind() == InteropChild.Kind.C ? "c-child " : "py-child ") + child.name();
            return new RealMilterRig(child,
                    MilterClient.connect(ConnectionSpec.parse(child.connectionSpec()), options.withName(name)));
        } catch (RuntimeException e) {
            child.close();
            throw e;
        }
    }

    /** Sends QUIT and returns the child's log once it has logged the end of the connection. */
    List<String> quitAndAwaitLog() {
        client.quit();
        return awaitLines("close", 1);
    }

    /** Waits until {@code line} appears {@code count} times in the child's log; returns the whole log then. */
    List<String> awaitLines(String line, int count) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            List<String> events = child.events();
            if (events.stream().filter(line::equals).count() >= count) {
                return events;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(child + ": not " + count + " lines \"" + line + "\" within " + WAIT
                        + "; events:\n  " + String.join("\n  ", events) + "\noutput:\n" + child.output());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** The log lines that are not macro lines, in order. */
    static List<String> withoutMacros(List<String> events) {
        return events.stream().filter(e -> !e.startsWith("macro ")).toList();
    }

    /** The macro lines logged right after the first line equal to {@code event}. */
    static List<String> macrosAfter(List<String> events, String event) {
        int at = events.indexOf(event);
        if (at < 0) {
            throw new AssertionError("no \"" + event + "\" in " + events);
        }
        return events.subList(at + 1, events.size()).stream().takeWhile(e -> e.startsWith("macro ")).toList();
    }

    /** Lower-case hex SHA-256, as the children log a body. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            child.close();
        }
    }
}
