package dev.miltermanager.daemon;

import dev.miltermanager.daemon.control.ControlHandler;
import dev.miltermanager.daemon.control.ControlOptions;
import dev.miltermanager.daemon.control.ControlReply;
import dev.miltermanager.daemon.control.ControlServer;
import dev.miltermanager.manager.MilterManager;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The daemon's life once its manager listens: reload on SIGHUP and on the control interface's {@code reload}, a
 * graceful stop on SIGTERM, SIGINT and {@code stop}, then the shutdown. Main builds one, calls
 * {@link #handleSignals()} and {@link #startControl} as configured, then {@link #awaitStopAndShutdown()}.
 * {@snippet :
 * DaemonLifecycle life = new DaemonLifecycle(manager, Duration.ofSeconds(30), () -> reloadConfigFile(), showConfig);
 * life.handleSignals();
 * life.startControl(ControlOptions.unix(Path.of("/run/milter-manager/control.sock")));
 * boolean drained = life.awaitStopAndShutdown();
 * }
 *
 * <p>Thread-safe. Reloads are serialized, whether they come from a signal or the control interface.
 */
final class DaemonLifecycle {
    private static final System.Logger LOG = System.getLogger(DaemonLifecycle.class.getName());

    private final MilterManager manager;
    private final Duration grace;
    private final Supplier<ControlReply> reload;
    private final Supplier<String> configuration;
    private final ReentrantLock reloading = new ReentrantLock();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private ControlServer control;

    /**
     * @param grace how long open sessions may take to finish after a stop is asked
     * @param reload reads the configuration again and applies it with {@link MilterManager#reconfigure}; on errors
     *     it changes nothing and returns {@link ControlReply#error} saying why
     * @param configuration the effective configuration as text ({@code --show-config})
     */
    DaemonLifecycle(MilterManager manager, Duration grace, Supplier<ControlReply> reload,
            Supplier<String> configuration) {
        this.manager = Objects.requireNonNull(manager, "manager");
        this.grace = Objects.requireNonNull(grace, "grace");
        this.reload = Objects.requireNonNull(reload, "reload");
        this.configuration = Objects.requireNonNull(configuration, "configuration");
    }

    /** SIGHUP reloads, SIGTERM/SIGINT ask a graceful stop; returns whether the handlers could be installed. */
    boolean handleSignals() {
        return Signals.install(() -> {
            ControlReply result = reload();
            LOG.log(result.ok() ? Level.INFO : Level.ERROR, () -> "[daemon][reload] "
                    + (result.ok() ? "done: " : "failed, the running configuration is kept: ") + result.text());
        }, this::requestStop);
    }

    /** Starts the control interface; it is closed by {@link #awaitStopAndShutdown()}. */
    ControlServer startControl(ControlOptions options) throws IOException {
        ControlServer started = ControlServer.start(options, manager, new ControlHandler() {
            @Override
            public ControlReply reload() {
                return DaemonLifecycle.this.reload();
            }

            @Override
            public String configuration() {
                return configuration.get();
            }

            @Override
            public void stop() {
                requestStop();
            }
        });
        control = started;
        return started;
    }

    /** Reloads now (one reload at a time); a reload that throws is reported as failed. */
    ControlReply reload() {
        reloading.lock();
        try {
            return reload.get();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "[daemon][reload] failed", e);
            return ControlReply.error("the reload failed: " + e);
        } finally {
            reloading.unlock();
        }
    }

    /** Asks for a graceful stop; returns at once. Idempotent. */
    void requestStop() {
        stopRequested.countDown();
    }

    /**
     * Waits for a stop request, then stops accepting, lets the open sessions finish for up to the grace period,
     * answers and closes what is left ({@link MilterManager#shutdown}), and closes the control interface.
     *
     * @return whether every session finished on its own
     */
    boolean awaitStopAndShutdown() throws InterruptedException {
        stopRequested.await();
        LOG.log(Level.INFO, () -> "[daemon][stop] no longer accepting; " + manager.activeSessions()
                + " open session(s) get up to " + grace.toSeconds() + " s to finish");
        boolean drained = manager.shutdown(grace);
        LOG.log(drained ? Level.INFO : Level.WARNING, () -> drained ? "[daemon][stop] every session finished"
                : "[daemon][stop] sessions still open after the grace period were answered and closed");
        if (control != null) {
            control.close();
        }
        return drained;
    }
}
