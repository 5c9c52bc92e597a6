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
 * default), which writes each event to the session's children and then reads their answers; only connecting to the
 * children at the start of a session uses a thread per child. With a connection check configured, one more thread
 * runs the checks.
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

    /** The configuration. */
    MilterManagerConfig config();

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
     * Stops accepting, lets open sessions finish for up to {@code grace}, then closes what is left.
     *
     * @return whether every session finished on its own
     */
    boolean shutdown(Duration grace);

    /** Stops accepting and closes every session at once (children are sent QUIT). Idempotent. */
    @Override
    void close();
}
