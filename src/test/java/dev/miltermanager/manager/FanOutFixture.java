package dev.miltermanager.manager;

import dev.miltermanager.protocol.Command;
import dev.miltermanager.testing.FakeMilter;
import dev.miltermanager.testing.FakeSession;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The pieces of a manager scenario — fake children on loopback, a manager over them, MTA sessions driving it —
 * closed together, last opened first. Hold one in a test class's {@code @AutoClose} field.
 */
final class FanOutFixture implements AutoCloseable {
    /** How long a test waits for something that should happen at once. */
    static final Duration WAIT = Duration.ofSeconds(5);
    /** The children's timeouts: a scenario that waits on a child by mistake fails fast instead of hanging. */
    static final Duration CHILD_TIMEOUT = Duration.ofSeconds(2);

    private final Deque<AutoCloseable> open = new ArrayDeque<>();

    /** Starts a fake child milter scripted by {@code script} (by default it continues everywhere). */
    FakeMilter fake(UnaryOperator<FakeMilter.Builder> script) throws IOException {
        return remember(script.apply(FakeMilter.builder()).start());
    }

    /** A child of the manager at {@code fake}'s address, with short timeouts. */
    static ChildConfig.Builder child(String name, FakeMilter fake) {
        return ChildConfig.builder(name, fake.connectionSpec()).allTimeouts(CHILD_TIMEOUT);
    }

    /** A manager with these children and every other item at its default. */
    MilterManager manager(ChildConfig... children) {
        MilterManagerConfig.Builder config = MilterManagerConfig.builder();
        for (ChildConfig child : children) {
            config.addChild(child);
        }
        return manager(config);
    }

    /** A manager listening (once started) on a loopback port chosen by the system. */
    MilterManager manager(MilterManagerConfig.Builder config) {
        return remember(MilterManager.create(config.connectionSpec(ConnectionSpec.parse("inet:0@[127.0.0.1]"))
                .build()));
    }

    /** An MTA driving an in-process session of {@code manager}. */
    Mta inProcess(MilterManager manager) {
        return remember(Mta.inProcess(manager.openSession()));
    }

    /** An MTA connected to {@code manager} over its socket (the manager is started if need be). */
    Mta overSocket(MilterManager manager) throws IOException {
        try {
            manager.localSpec();
        } catch (IllegalStateException notStarted) {
            manager.start();
        }
        return remember(Mta.overSocket(manager.localSpec()));
    }

    /** A loopback address where nothing listens: a child that cannot be reached. */
    static ConnectionSpec nothingListening() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return ConnectionSpec.parse("inet:" + socket.getLocalPort() + "@[127.0.0.1]");
        }
    }

    /**
     * The commands a child received, as short tags ({@code connect}, {@code rcpt <bob@example.net>},
     * {@code header Subject}, {@code body}, {@code eom}, {@code abort}, {@code quit}…), negotiation left out.
     */
    static List<String> trace(FakeSession session) {
        List<String> tags = new ArrayList<>();
        for (Command command : session.commands()) {
            String tag = switch (command) {
                case Command.Negotiate n -> null;
                case Command.Macros m -> null;
                case Command.Connect c -> "connect";
                case Command.Helo h -> "helo";
                case Command.MailFrom m -> "mail " + m.sender();
                case Command.Recipient r -> "rcpt " + r.recipient();
                case Command.Data d -> "data";
                case Command.Unknown u -> "unknown";
                case Command.Header h -> "header " + h.name();
                case Command.EndOfHeaders e -> "eoh";
                case Command.Body b -> "body";
                case Command.EndOfMessage e -> "eom";
                case Command.Abort a -> "abort";
                case Command.Quit q -> "quit";
                case Command.QuitNewConnection q -> "quit-nc";
            };
            if (tag != null) {
                tags.add(tag);
            }
        }
        return tags;
    }

    /**
     * The tags a child received after the first one starting with {@code anchor}, up to the next MAIL (excluded):
     * what the child got next within that message. Fails if the child never received {@code anchor}.
     */
    static List<String> after(FakeSession session, String anchor) {
        List<String> tags = trace(session);
        int at = -1;
        for (int i = 0; i < tags.size() && at < 0; i++) {
            if (tags.get(i).startsWith(anchor)) {
                at = i;
            }
        }
        if (at < 0) {
            throw new AssertionError("the child never received " + anchor + ": " + tags);
        }
        List<String> next = new ArrayList<>();
        for (String tag : tags.subList(at + 1, tags.size())) {
            if (tag.startsWith("mail ")) {
                break;
            }
            next.add(tag);
        }
        return next;
    }

    /** The tag a child received right after the first one starting with {@code anchor}, or {@code "nothing"}. */
    static String following(FakeSession session, String anchor) {
        List<String> tags = trace(session);
        for (int i = 0; i < tags.size(); i++) {
            if (tags.get(i).startsWith(anchor)) {
                return i + 1 < tags.size() ? tags.get(i + 1) : "nothing";
            }
        }
        throw new AssertionError("the child never received " + anchor + ": " + tags);
    }

    /** Waits until the child's connection has ended (the manager sent QUIT or closed it) and returns the session. */
    static FakeSession ended(FakeSession session) {
        session.awaitEnd(WAIT);
        return session;
    }

    private <T extends AutoCloseable> T remember(T closeable) {
        open.push(closeable);
        return closeable;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        while (!open.isEmpty()) {
            try {
                open.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
