package dev.miltermanager.daemon;

import dev.miltermanager.config.ConfigurationLoader;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The daemon's command line. Options that set a configuration item become overrides applied after the
 * configuration files (origin {@code command line (--option)}), so they are validated and shown like file lines.
 *
 * @param configDirectory {@code -c}/{@code --config-dir}, else empty (then {@code MILTER_MANAGER_CONFIG_DIR}, else
 *     {@code /etc/milter-manager})
 * @param detectionRoot {@code --detection-root} (not in the usage: for tests and chroots), else empty
 * @param overrides the configuration lines the options give, in order
 */
record CommandLine(boolean help, boolean version, boolean showConfig, Optional<Path> configDirectory,
        Optional<Path> detectionRoot, List<Override> overrides) {

    static final String CONFIG_DIR_ENV = "MILTER_MANAGER_CONFIG_DIR";
    static final String DETECTION_ROOT_ENV = "MILTER_MANAGER_DETECTION_ROOT";

    /** One configuration line from an option. */
    record Override(String key, String value, String option) {
        String origin() {
            return "command line (" + option + ")";
        }
    }

    static final String USAGE = """
            Usage: milter-manager [OPTION...]
                   milter-manager import-config [--output FILE] FILE
                   milter-manager ctl COMMAND

            A milter that manages other milters: the MTA talks to milter-manager as to one milter, and
            milter-manager fans each session out to its child milters. It reads CONFIG_DIR/milter-manager.conf
            (absent = defaults) after detecting the milters installed on this machine; see docs/configuration.md.

              -c, --config-dir=DIR         the configuration directory (default $MILTER_MANAGER_CONFIG_DIR,
                                           else /etc/milter-manager)
                  --show-config            print the effective configuration, each item with its origin, and exit
              -s, --connection-spec=SPEC   where to listen for the MTA (default inet:10025@[127.0.0.1]);
                                           inet:PORT[@HOST|@[ADDR]], inet6:PORT[@HOST|@[ADDR]], unix:PATH
                  --milter=NAME=SPEC       add a child milter (repeatable; after those of the file)
                  --log-level=LEVEL        default, all, critical, error, warning, message, info, debug,
                                           statistics, profile; several joined by |
                  --log-path=FILE          append the log to FILE instead of standard error
              -v, --verbose                log everything (--log-level=all)
                  --pid-file=FILE          write the process id to FILE once listening; removed on exit
                  --unix-socket-mode=MODE  permissions of the listening Unix socket (default 0660)
                  --unix-socket-group=GROUP  group of the listening Unix socket
              -h, --help                   show this help and exit
                  --version                show the version and exit

            Accepted for compatibility with the C milter manager, and ignored with a warning (see
            docs/configuration.md): --daemon, --no-daemon, -u/--user-name, -g/--group-name, --syslog,
            --syslog-facility, --n-workers, --event-loop-backend, --packet-buffer-size,
            --max-pending-finished-sessions.

            import-config translates a configuration of the C milter manager (milter-manager.local.conf, Ruby)
            into milter-manager.conf (see docs/import-config.md); ctl talks to a running daemon's control
            interface (see docs/operations.md).

            Signals: SIGHUP reloads the configuration (a bad file keeps the running one); SIGTERM and SIGINT
            stop gracefully.
            """;

    /** Options taking a value that set one configuration item. */
    private static final Map<String, String> ITEM_OPTIONS = Map.ofEntries(
            Map.entry("-s", "manager.connection_spec"),
            Map.entry("--connection-spec", "manager.connection_spec"),
            Map.entry("--log-level", "log.level"),
            Map.entry("--log-path", "log.path"),
            Map.entry("--pid-file", "manager.pid_file"),
            Map.entry("--unix-socket-mode", "manager.unix_socket_mode"),
            Map.entry("--unix-socket-group", "manager.unix_socket_group"),
            Map.entry("--socket-group-name", "manager.unix_socket_group"),
            Map.entry("--syslog-facility", "log.syslog_facility"),
            Map.entry("-u", "security.effective_user"),
            Map.entry("--user-name", "security.effective_user"),
            Map.entry("-g", "security.effective_group"),
            Map.entry("--group-name", "security.effective_group"),
            Map.entry("--n-workers", "manager.n_workers"),
            Map.entry("--event-loop-backend", "manager.event_loop_backend"),
            Map.entry("--packet-buffer-size", "manager.packet_buffer_size"),
            Map.entry("--max-pending-finished-sessions", "manager.max_pending_finished_sessions"));

    /** Options without a value that set one configuration item: key and value. */
    private static final Map<String, List<String>> FLAG_OPTIONS = Map.of(
            "-v", List.of("log.level", "all"),
            "--verbose", List.of("log.level", "all"),
            "--daemon", List.of("manager.daemon", "true"),
            "--no-daemon", List.of("manager.daemon", "false"),
            "--syslog", List.of("log.use_syslog", "true"));

    /** @throws IllegalArgumentException for an unknown option or a missing value, naming the option */
    static CommandLine parse(String... args) {
        boolean help = false;
        boolean version = false;
        boolean show = false;
        Path configDir = null;
        Path detectionRoot = null;
        List<Override> overrides = new ArrayList<>();
        Deque<String> rest = new ArrayDeque<>(List.of(args));
        while (!rest.isEmpty()) {
            String arg = rest.poll();
            int eq = arg.startsWith("--") ? arg.indexOf('=') : -1;
            String name = eq > 0 ? arg.substring(0, eq) : arg;
            String inline = eq > 0 ? arg.substring(eq + 1) : null;
            if (ITEM_OPTIONS.containsKey(name)) {
                overrides.add(new Override(ITEM_OPTIONS.get(name), value(rest, inline, name), name));
                continue;
            }
            if (FLAG_OPTIONS.containsKey(name)) {
                noValue(inline, name);
                List<String> item = FLAG_OPTIONS.get(name);
                overrides.add(new Override(item.get(0), item.get(1), name));
                continue;
            }
            switch (name) {
                case "-h", "--help" -> help = noValue(inline, name);
                case "--version" -> version = noValue(inline, name);
                case "--show-config" -> show = noValue(inline, name);
                case "-c", "--config-dir" -> configDir = path(value(rest, inline, name), name);
                case "--detection-root" -> detectionRoot = path(value(rest, inline, name), name);
                case "--milter" -> overrides.add(child(value(rest, inline, name)));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        return new CommandLine(help, version, show, Optional.ofNullable(configDir), Optional.ofNullable(detectionRoot),
                overrides);
    }

    private static boolean noValue(String inline, String name) {
        if (inline != null) {
            throw new IllegalArgumentException("option '" + name + "' takes no value");
        }
        return true;
    }

    private static String value(Deque<String> rest, String inline, String name) {
        if (inline != null) {
            return inline;
        }
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("option '" + name + "' needs a value");
        }
        return rest.poll();
    }

    private static Path path(String value, String name) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("option '" + name + "' needs a directory");
        }
        return Path.of(value);
    }

    private static Override child(String value) {
        int eq = value.indexOf('=');
        if (eq <= 0 || eq == value.length() - 1) {
            throw new IllegalArgumentException("--milter expects NAME=SPEC, for example clamav=unix:/run/clamav.sock");
        }
        return new Override("milter." + value.substring(0, eq) + ".connection_spec", value.substring(eq + 1),
                "--milter");
    }

    /** The loader these options and the environment describe. */
    ConfigurationLoader loader(Map<String, String> env) {
        Path dir = configDirectory.orElseGet(() -> {
            String fromEnv = env.get(CONFIG_DIR_ENV);
            return fromEnv == null || fromEnv.isBlank() ? ConfigurationLoader.DEFAULT_CONFIG_DIRECTORY
                    : Path.of(fromEnv);
        });
        Path root = detectionRoot.orElseGet(() -> {
            String fromEnv = env.get(DETECTION_ROOT_ENV);
            return Path.of(fromEnv == null || fromEnv.isBlank() ? "/" : fromEnv);
        });
        ConfigurationLoader loader = ConfigurationLoader.create(dir).withDetection(root);
        for (Override o : overrides) {
            loader = loader.withOverride(o.key(), o.value(), o.origin());
        }
        return loader;
    }
}
