package dev.miltermanager.testing;

import dev.miltermanager.manager.ManagerSession;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.transport.ConnectionSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Everything a milter test starts, closed together: fake milters, managers, manager sessions and MTA sessions made
 * through the kit are closed by {@link #close()} in the reverse order of their creation, even when a test fails
 * half way. The JUnit extension ({@code dev.miltermanager.testing.junit.MilterTestExtension}) makes one per test
 * and closes it after the test; without JUnit, use it in a try-with-resources.
 *
 * {@snippet :
 * try (MilterKit kit = MilterKit.create(MtaProfile.POSTFIX)) {
 *     FakeMilter child = kit.fakeMilter(b -> b.edits(new Response.AddHeader("X-Seen", "yes")));
 *     MilterResult result = kit.run(child.connectionSpec(), kit.message().build());
 *     result.assertThat().hasHeader("X-Seen", "yes");
 * }
 * }
 *
 * <p>Thread-safe for creating things; {@link #close()} is meant for the end of the test.
 */
public final class MilterKit implements AutoCloseable {
    private final MtaSimulator simulator;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

    private MilterKit(MtaSimulator simulator) {
        this.simulator = simulator;
    }

    /** A kit whose simulator behaves as {@code profile}'s MTA with every other default. */
    public static MilterKit create(MtaProfile profile) {
        return new MilterKit(MtaSimulator.of(profile));
    }

    /** A kit around a configured simulator. */
    public static MilterKit create(MtaSimulator simulator) {
        return new MilterKit(Objects.requireNonNull(simulator, "simulator"));
    }

    /** The kit's simulator. */
    public MtaSimulator simulator() {
        return simulator;
    }

    /** A message builder with a sender, one recipient and From:/To:/Subject: headers, ready to send. */
    public TestMessage.Builder message() {
        return TestMessage.builder().from("sender@example.com").to("receiver@example.org")
                .header("From", "<sender@example.com>").header("To", "<receiver@example.org>")
                .header("Subject", "test").body("test message\n");
    }

    /** Starts a fake milter scripted by {@code script} (on loopback TCP unless it says otherwise). */
    public FakeMilter fakeMilter(UnaryOperator<FakeMilter.Builder> script) {
        try {
            return track(script.apply(FakeMilter.builder()).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a fake milter", e);
        }
    }

    /** Starts a fake milter with the defaults: it continues at every stage and records everything. */
    public FakeMilter fakeMilter() {
        return fakeMilter(b -> b);
    }

    /** Creates a manager (not listening: use {@link #managerSession} or {@link #startManager}). */
    public MilterManager manager(MilterManagerConfig config) {
        return track(MilterManager.create(config));
    }

    /** Creates a manager and starts it listening on its configured spec (use port 0 for a free port). */
    public MilterManager startManager(MilterManagerConfig config) {
        MilterManager manager = manager(config);
        try {
            return manager.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the manager on " + config.connectionSpec(), e);
        }
    }

    /** Opens an in-process session of {@code manager}. */
    public ManagerSession managerSession(MilterManager manager) {
        return track(manager.openSession());
    }

    /** Opens a simulated MTA connection to the milter at {@code spec}. */
    public MtaSession open(ConnectionSpec spec) {
        return track(simulator.open(spec));
    }

    /** Opens a simulated MTA connection to an in-process session of {@code manager}. */
    public MtaSession open(MilterManager manager) {
        return track(simulator.open(managerSession(manager)));
    }

    /** One connection, one message, QUIT. */
    public MilterResult run(ConnectionSpec spec, TestMessage message) {
        return simulator.run(spec, message);
    }

    /** Closes {@code resource} with the kit (before what was created earlier). */
    public <T extends AutoCloseable> T track(T resource) {
        lock.lock();
        try {
            resources.push(Objects.requireNonNull(resource, "resource"));
        } finally {
            lock.unlock();
        }
        return resource;
    }

    /**
     * Closes everything, last created first; every resource is closed even if one fails, whose exception is then
     * thrown with the others suppressed.
     */
    @Override
    public void close() {
        RuntimeException failure = null;
        while (true) {
            AutoCloseable next;
            lock.lock();
            try {
                next = resources.poll();
            } finally {
                lock.unlock();
            }
            if (next == null) {
                break;
            }
            try {
                next.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing " + next + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
