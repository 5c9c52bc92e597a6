package dev.miltermanager.daemon;

import dev.miltermanager.config.Configuration;
import dev.miltermanager.config.ConfigurationException;
import dev.miltermanager.config.ConfigurationLoader;
import dev.miltermanager.config.ImportConfig;
import dev.miltermanager.daemon.control.ControlClient;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code java -jar milter-manager.jar [options]}: detects the milters installed, reads
 * {@code /etc/milter-manager/milter-manager.conf} (or {@code --config-dir}; absent = defaults), and runs the manager
 * until SIGTERM or SIGINT, then lets open sessions finish for up to {@value Daemon#SHUTDOWN_GRACE_SECONDS} seconds.
 * SIGHUP reloads the configuration. With no file and no milter found it listens on {@code inet:10025@[127.0.0.1]}
 * with no child milter, answering every session with the fallback status (accept).
 */
public final class Main {
    /** Exit status for a bad command line. */
    static final int USAGE = 2;
    /** Exit status when the configuration has errors or the daemon cannot start. */
    static final int FAILURE = 1;
    static final String IMPORT_CONFIG = "import-config";

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("ctl")) {   // milter-manager ctl COMMAND...: the control client
            System.exit(ControlClient.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** Runs the daemon; returns the exit status (0 after a normal shutdown, 2 for bad arguments, 1 for failures). */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals(IMPORT_CONFIG)) {
            return ImportConfig.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        CommandLine line;
        try {
            line = CommandLine.parse(args);
        } catch (IllegalArgumentException e) {
            return usageError(err, e.getMessage());
        }
        if (line.help()) {
            out.print(CommandLine.USAGE);
            return 0;
        }
        if (line.version()) {
            out.println("milter-manager " + version());
            return 0;
        }
        ConfigurationLoader loader = line.loader(env);
        Configuration config;
        try {
            config = loader.load();
        } catch (ConfigurationException e) {
            e.errors().forEach(x -> err.println("milter-manager: " + x));
            if (e.errors().stream().anyMatch(x -> x.startsWith("command line"))) {
                return usageError(err, "bad option value (see above)");
            }
            err.println("milter-manager: " + e.errors().size() + " error(s) in the configuration; not started");
            return FAILURE;
        }
        if (line.showConfig()) {
            config.warnings().forEach(w -> err.println("milter-manager: warning: " + w));
            out.print(config.show());
            return 0;
        }
        try {
            LogSetup.apply(config.daemon());
            return new Daemon(loader, config).run(out, err);
        } catch (IOException e) {
            err.println("milter-manager: " + e.getMessage());
            return FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FAILURE;
        }
    }

    private static int usageError(PrintStream err, String message) {
        err.println("milter-manager: " + message);
        err.println("Try 'milter-manager --help'.");
        return USAGE;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }
}
