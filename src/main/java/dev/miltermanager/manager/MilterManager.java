package dev.miltermanager.manager;

import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;

/**
 * A milter that manages other milters. Each MTA session — over a socket after {@link #start()}, or in-process
 * through {@link #openSession()} — is fanned out to the enabled child milters of the configuration, their answers
 * folded and their edits merged (see {@code docs/manager.md} for the semantics).
 *
 * <p>Thread-safe. Every MTA connection is served by its own thread from the thread factory (virtual threads by
 * default), and each child of a session is driven by its own thread during a parallel fan-out.
 *
 * {@snippet :
 * MilterManagerConfig config = MilterManagerConfig.builder()
 *         .connectionSpec(ConnectionSpec.parse("inet:10025@[127.0.0.1]"))
 *         .addChild(ChildConfig.of("clamav", ConnectionSpec.parse("unix:/run/clamav/clamav-milter.ctl")))
 *         .addChild(ChildConfig.of("opendkim", ConnectionSpec.parse("inet:8891@[127.0.0.1]")))
 *         .build();
 * try (MilterManager manager = MilterManager.create(config)) {
 *     manager.start();
 *     // ... until shutdown
 *     manager.shutdown(Duration.ofSeconds(30));
 * }
 * }
 */
public interface MilterManager extends AutoCloseable {

    /** A manager whose sessions and fan-outs run on virtual threads. Nothing is opened until used. */
    static MilterManager create(MilterManagerConfig config) {
        return create(config, Thread.ofVirtual().name("milter-manager-", 0).factory());
    }

    /** A manager whose threads come from {@code threadFactory}. */
    static MilterManager create(MilterManagerConfig config, ThreadFactory threadFactory) {
        return new DefaultMilterManager(config, threadFactory);
    }

    /** The current configuration: the one new sessions get (see {@link #reconfigure}). */
    MilterManagerConfig config();

    /**
     * Replaces the configuration without stopping: sessions opened from now on use {@code next}; sessions already
     * open finish on the configuration they started with (each session sees exactly one). Statistics carry on:
     * a child keeps its counters under its name, and {@link ManagerStatistics#children()} lists the new children.
     *
     * <p>When {@code next} names another {@code connectionSpec}, the manager opens the new socket first and only
     * then stops accepting on the old one, whose open sessions finish there; if the new socket cannot be opened,
     * nothing changes. A change of {@code listenOptions} (Unix socket mode, group, backlog) with the same spec is
     * refused, since an open socket cannot be given them: restart, or move the socket at the same time.
     * {@code maxConnections} takes effect at once, counting the sessions already open.
     *
     * @throws IOException if the new socket cannot be opened; the running configuration is kept
     * @throws IllegalArgumentException if only the listen options changed; the running configuration is kept
     * @throws IllegalStateException if the manager is closed
     */
    void reconfigure(MilterManagerConfig next) throws IOException;

    /** Opens an in-process session: the caller plays the MTA. Close it when the MTA session ends. */
    ManagerSession openSession();

    /**
     * Starts listening for MTAs on the configured connection spec. Connections beyond {@code max_connections} wait
     * to be accepted.
     *
     * @throws IOException if the socket cannot be opened (the message names the spec)
     * @throws IllegalStateException if already started
     */
    MilterManager start() throws IOException;

    /** The spec actually listened on (with the real port when 0 was configured). */
    ConnectionSpec localSpec();

    /** The sessions open now (socket and in-process). */
    int activeSessions();

    /** Live counters per child. */
    ManagerStatistics statistics();

    /**
     * Shuts down gracefully: stops accepting at once, lets open sessions finish for up to {@code grace}, then
     * ends the rest. A session whose MTA is waiting for an answer at that moment gets one — its children are
     * disconnected and count as failed, so their {@code fallback_status} (default accept) is what is folded and
     * sent — and its connection is then closed; a session waiting for its MTA's next command is closed at once
     * (the MTA then applies its own default, Postfix's {@code milter_default_action}). Returns when every session
     * has ended, at most about {@code grace} plus two seconds later; then the manager is closed.
     *
     * @return whether every session finished on its own within {@code grace}
     */
    boolean shutdown(Duration grace);

    /** Stops accepting and closes every session at once (children are sent QUIT). Idempotent. */
    @Override
    void close();
}
