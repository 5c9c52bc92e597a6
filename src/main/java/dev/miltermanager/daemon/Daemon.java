package dev.miltermanager.daemon;

import dev.miltermanager.config.Configuration;
import dev.miltermanager.config.ConfigurationException;
import dev.miltermanager.config.ConfigurationLoader;
import dev.miltermanager.config.DaemonSettings;
import dev.miltermanager.daemon.control.ControlOptions;
import dev.miltermanager.daemon.control.ControlReply;
import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManager;
import dev.miltermanager.manager.MilterManagerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * A running daemon: the manager listening, the pid file, the control interface when configured, and through
 * {@link DaemonLifecycle} SIGHUP (or {@code ctl reload}) reloading the configuration and SIGTERM/SIGINT (or
 * {@code ctl stop}) shutting down gracefully. A reload that finds an error keeps the running configuration and
 * logs each error with its {@code file:line}.
 */
final class Daemon {
    static final int SHUTDOWN_GRACE_SECONDS = 30;
    private static final System.Logger LOG = System.getLogger(Daemon.class.getName());

    private final ConfigurationLoader loader;
    private final Configuration initial;
    private volatile Configuration current;
    private volatile MilterManager manager;

    Daemon(ConfigurationLoader loader, Configuration initial) {
        this.loader = loader;
        this.initial = initial;
        this.current = initial;
    }

    /** Runs until SIGTERM/SIGINT or the control interface's {@code stop}; returns the exit status. */
    int run(PrintStream out, PrintStream err) throws InterruptedException {
        logConfiguration(initial, "read");
        Optional<Path> pidFile = initial.daemon().pidFile();
        MilterManager m = MilterManager.create(initial.manager());
        manager = m;
        DaemonLifecycle life = new DaemonLifecycle(m, Duration.ofSeconds(SHUTDOWN_GRACE_SECONDS), this::reload,
                () -> current.show());
        try {
            m.start();
            pidFile.ifPresent(Daemon::writePid);
            Optional<ControlOptions> control = controlOptions(initial.daemon());
            if (control.isPresent()) {
                life.startControl(control.get());
            }
        } catch (IOException | RuntimeException e) {
            err.println("milter-manager: " + e.getMessage());
            LOG.log(Level.ERROR, "[manager][error] not started: " + e.getMessage());
            m.close();
            pidFile.ifPresent(Daemon::removePid);
            return 1;
        }
        out.println("milter-manager " + Main.version() + " listening on " + m.localSpec() + " with "
                + describeChildren(initial.manager()));
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        if (!life.handleSignals()) {
            // without our handlers SIGTERM runs the shutdown hooks: stop gracefully from there
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                life.requestStop();
                awaitQuietly(stopped);
            }, "milter-manager-shutdown"));
        }
        try {
            life.awaitStopAndShutdown();
        } finally {
            pidFile.ifPresent(Daemon::removePid);
            stopped.countDown();
        }
        return 0;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(SHUTDOWN_GRACE_SECONDS + 5L, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The control interface the settings ask for: a Unix socket, or loopback TCP with a token file. */
    static Optional<ControlOptions> controlOptions(DaemonSettings settings) {
        return settings.controllerConnectionSpec().map(spec -> new ControlOptions(spec,
                settings.controllerListenOptions(), settings.controllerTokenFile()));
    }

    /**
     * Reads the configuration again and hands it to the manager, or keeps the running one and says why (SIGHUP and
     * the control interface's {@code reload}).
     */
    ControlReply reload() {
        LOG.log(Level.INFO, "[config][reload] reading " + loader.file());
        Configuration next;
        try {
            next = loader.load();
        } catch (ConfigurationException e) {
            LOG.log(Level.ERROR, "[config][reload][error] " + e.errors().size()
                    + " error(s); keeping the running configuration");
            e.errors().forEach(x -> LOG.log(Level.ERROR, "[config][reload][error] " + x));
            return ControlReply.error(e.errors().size() + " error(s) in the configuration; the running one is kept\n"
                    + String.join("\n", e.errors()));
        }
        try {
            manager.reconfigure(next.manager());
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.ERROR, "[config][reload][error] " + e.getMessage() + "; keeping the running configuration");
            return ControlReply.error(e.getMessage() + "; the running configuration is kept");
        }
        try {
            LogSetup.apply(next.daemon());
        } catch (IOException e) {
            LOG.log(Level.ERROR, "[config][reload][error] " + e.getMessage() + "; logging as before");
        }
        if (!next.daemon().pidFile().equals(initial.daemon().pidFile())
                || !next.daemon().controllerConnectionSpec().equals(initial.daemon().controllerConnectionSpec())) {
            LOG.log(Level.WARNING, "[config][reload] manager.pid_file and controller.* change at the next start");
        }
        current = next;
        logConfiguration(next, "reloaded");
        return ControlReply.ok("reloaded: " + describeChildren(next.manager()));
    }

    /** What was read and what the manager will do with it. */
    static void logConfiguration(Configuration c, String verb) {
        if (c.files().isEmpty()) {
            LOG.log(Level.INFO, "[config] no configuration file: defaults, detected milters and the command line");
        } else {
            LOG.log(Level.INFO, "[config] " + verb + " " + String.join(", ", c.files().stream().map(Path::toString)
                    .toList()));
        }
        c.warnings().forEach(w -> LOG.log(Level.WARNING, "[config][warning] " + w));
        for (ChildConfig child : c.manager().children()) {
            String key = "milter." + child.name() + ".";
            List<String> notes = new ArrayList<>();
            notes.add("from " + c.origin(key + "connection_spec"));
            if (!child.enabled()) {
                notes.add("disabled (" + c.origin(key + "enabled") + ")");
            }
            if (!child.conditions().isEmpty()) {
                notes.add(child.conditions().size() + " applicable condition(s) (" + c.origin(key
                        + "applicable_conditions") + ")");
            }
            LOG.log(Level.INFO, "[config][milter] " + child.name() + " = " + child.connectionSpec() + ": "
                    + String.join(", ", notes));
        }
        LOG.log(Level.INFO, "[config] the MTA's socket: " + c.manager().connectionSpec() + "; "
                + describeChildren(c.manager()));
    }

    static String describeChildren(MilterManagerConfig config) {
        if (config.enabledChildren().isEmpty()) {
            return "no child milter (every session is answered " + config.fallbackStatus().configName() + ")";
        }
        StringBuilder s = new StringBuilder(config.enabledChildren().size() + " child milter(s):");
        for (ChildConfig c : config.enabledChildren()) {
            s.append(' ').append(c.name()).append('=').append(c.connectionSpec());
        }
        return s.toString();
    }

    private static void writePid(Path file) {
        try {
            Files.writeString(file, ProcessHandle.current().pid() + "\n");
        } catch (IOException e) {
            throw new UncheckedPidException("cannot write the pid file " + file + " (manager.pid_file): " + e);
        }
    }

    private static void removePid(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "[manager][stop] cannot remove the pid file " + file + ": " + e);
        }
    }

    /** The pid file could not be written: the daemon does not run without it. */
    private static final class UncheckedPidException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UncheckedPidException(String message) {
            super(message);
        }
    }
}
