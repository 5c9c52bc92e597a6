package dev.miltermanager.daemon;

import dev.miltermanager.config.Configuration;
import dev.miltermanager.config.ConfigurationException;
import dev.miltermanager.config.ConfigurationLoader;
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
import java.util.concurrent.Semaphore;

/**
 * A running daemon: the manager listening, the pid file, SIGHUP reloading the configuration, and a graceful
 * shutdown on SIGTERM/SIGINT. A reload that finds an error keeps the running configuration and logs each error.
 */
final class Daemon {
    static final int SHUTDOWN_GRACE_SECONDS = 30;
    private static final System.Logger LOG = System.getLogger(Daemon.class.getName());

    private final ConfigurationLoader loader;
    private final Configuration initial;
    private final Semaphore reloadRequests = new Semaphore(0);
    private volatile MilterManager manager;

    Daemon(ConfigurationLoader loader, Configuration initial) {
        this.loader = loader;
        this.initial = initial;
    }

    /** Runs until SIGTERM/SIGINT; returns the exit status. */
    int run(PrintStream out, PrintStream err) throws InterruptedException {
        logConfiguration(initial, "read");
        Optional<Path> pidFile = initial.daemon().pidFile();
        try (MilterManager m = MilterManager.create(initial.manager())) {
            manager = m;
            try {
                m.start();
                pidFile.ifPresent(Daemon::writePid);
            } catch (IOException | UncheckedPidException e) {
                err.println("milter-manager: " + e.getMessage());
                LOG.log(Level.ERROR, "[manager][error] " + e.getMessage());
                return 1;
            }
            out.println("milter-manager " + Main.version() + " listening on " + m.localSpec() + " with "
                    + describeChildren(initial.manager()));
            out.flush();
            if (HangUpSignal.onHangUp(reloadRequests::release)) {
                Thread.ofPlatform().daemon().name("milter-manager-reload").start(this::reloadLoop);
            } else {
                LOG.log(Level.WARNING, "[config] this JDK cannot catch SIGHUP; restart to reload the configuration");
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                LOG.log(Level.INFO, "[manager][stop] shutting down; open sessions get up to "
                        + SHUTDOWN_GRACE_SECONDS + " s to finish");
                m.shutdown(Duration.ofSeconds(SHUTDOWN_GRACE_SECONDS));
                pidFile.ifPresent(Daemon::removePid);
                stopped.countDown();
            }, "milter-manager-shutdown"));
            stopped.await();
            return 0;
        }
    }

    private void reloadLoop() {
        while (true) {
            try {
                reloadRequests.acquire();
            } catch (InterruptedException e) {
                return;
            }
            reloadRequests.drainPermits();
            reload();
        }
    }

    /** Reads the configuration again and hands it to the manager, or keeps the running one and says why. */
    void reload() {
        LOG.log(Level.INFO, "[config][reload] reading " + loader.file());
        Configuration next;
        try {
            next = loader.load();
        } catch (ConfigurationException e) {
            LOG.log(Level.ERROR, "[config][reload][error] " + e.errors().size()
                    + " error(s); keeping the running configuration");
            e.errors().forEach(x -> LOG.log(Level.ERROR, "[config][reload][error] " + x));
            return;
        }
        try {
            manager.reconfigure(next.manager());
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.ERROR, "[config][reload][error] " + e.getMessage() + "; keeping the running configuration");
            return;
        }
        try {
            LogSetup.apply(next.daemon());
        } catch (IOException e) {
            LOG.log(Level.ERROR, "[config][reload][error] " + e.getMessage() + "; logging as before");
        }
        if (!next.daemon().pidFile().equals(initial.daemon().pidFile())) {
            LOG.log(Level.WARNING, "[config][reload] manager.pid_file changes at the next start");
        }
        logConfiguration(next, "reloaded");
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
