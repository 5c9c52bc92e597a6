package dev.miltermanager.config;

import static dev.miltermanager.config.Item.ignored;
import static dev.miltermanager.config.Item.used;

import dev.miltermanager.manager.ChildConfig;
import dev.miltermanager.manager.MilterManagerConfig;
import dev.miltermanager.transport.ListenOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every item of {@code milter-manager.conf}: the manager's, in show-config order, and each child's. */
final class Items {
    static final String MILTER_PREFIX = "milter.";

    private static final String NO_USER_SWITCH = "the JVM cannot change its user or group; run the daemon as the "
            + "right user from the service manager (systemd User=/Group=)";
    private static final String NO_DATABASE = "no database is kept; statistics are in the log and the status";
    private static final String THREADS = "sessions run on virtual threads, there is no event loop or worker process "
            + "to tune";

    static final List<Item> MANAGER = List.of(
            used("package.platform", ValueType.oneOf("debian", "redhat", "freebsd", "pkgsrc", "none"), null,
                    "the platform whose services detection reads; unset = guessed from the files found"),
            ignored("package.options", ValueType.TEXT, null, "only used by the reference's pkgsrc build"),
            ignored("security.privilege_mode", ValueType.BOOLEAN, false, NO_USER_SWITCH),
            ignored("security.effective_user", ValueType.NAME, null, NO_USER_SWITCH),
            ignored("security.effective_group", ValueType.NAME, null, NO_USER_SWITCH),
            used("log.level", ValueType.LOG_LEVEL, "default",
                    "what is logged: " + LogLevels.NAMES + " joined by |; the most verbose one sets the threshold"),
            used("log.path", ValueType.PATH, null, "a file the log is appended to; unset = standard error"),
            ignored("log.use_syslog", ValueType.BOOLEAN, true, "the log goes to standard error (which systemd sends "
                    + "to the journal) or to log.path; the JDK has no syslog client"),
            ignored("log.syslog_facility", ValueType.oneOf("authpriv", "cron", "daemon", "kern", "local0", "local1",
                    "local2", "local3", "local4", "local5", "local6", "local7", "lpr", "mail", "news", "user", "uucp"),
                    "mail", "no syslog output (see log.use_syslog)"),
            used("manager.connection_spec", ValueType.CONNECTION_SPEC, MilterManagerConfig.DEFAULT_CONNECTION_SPEC,
                    "where the MTA connects"),
            used("manager.unix_socket_mode", ValueType.OCTAL_MODE, ListenOptions.DEFAULT_UNIX_SOCKET_MODE,
                    "permissions of the manager's Unix socket"),
            used("manager.unix_socket_group", ValueType.NAME, null,
                    "group given to the manager's Unix socket; unset = the daemon's group"),
            used("manager.remove_unix_socket_on_create", ValueType.BOOLEAN,
                    ListenOptions.DEFAULT_REMOVE_UNIX_SOCKET_ON_CREATE, "remove a stale socket file before listening"),
            used("manager.remove_unix_socket_on_close", ValueType.BOOLEAN,
                    ListenOptions.DEFAULT_REMOVE_UNIX_SOCKET_ON_CLOSE, "remove the socket file on exit"),
            ignored("manager.daemon", ValueType.BOOLEAN, false, "the daemon stays in the foreground; the service "
                    + "manager (systemd Type=simple) runs it in the background"),
            used("manager.pid_file", ValueType.PATH, null, "file the process id is written to once listening, "
                    + "removed on exit"),
            ignored("manager.maintenance_interval", ValueType.COUNT, 10, "memory is the JVM garbage collector's job"),
            ignored("manager.suspend_time_on_unacceptable", ValueType.seconds(false), java.time.Duration.ofSeconds(5),
                    "connections beyond max_connections wait in the listen backlog instead of pausing accept"),
            used("manager.max_connections", ValueType.COUNT, MilterManagerConfig.DEFAULT_MAX_CONNECTIONS,
                    "MTA sessions served at once, 0 = unlimited; excess connections wait"),
            ignored("manager.max_file_descriptors", ValueType.COUNT, 0, "the JVM cannot raise its own limit; set "
                    + "LimitNOFILE= in the systemd unit"),
            ignored("manager.custom_configuration_directory", ValueType.PATH, null,
                    "the control interface does not write configuration files"),
            used("manager.fallback_status", ValueType.STATUS, MilterManagerConfig.DEFAULT_FALLBACK_STATUS,
                    "the answer when no child can answer (none enabled, none reachable, internal trouble)"),
            used("manager.fallback_status_at_disconnect", ValueType.STATUS,
                    MilterManagerConfig.DEFAULT_FALLBACK_STATUS_AT_DISCONNECT,
                    "the answer when the SMTP client has gone (kept for the connection check)"),
            ignored("manager.event_loop_backend", ValueType.oneOf("glib", "libev"), "glib", THREADS),
            ignored("manager.n_workers", ValueType.integer(0, 1000), 0, THREADS),
            ignored("manager.packet_buffer_size", ValueType.COUNT, 0, "replies at end of message already go to the "
                    + "MTA in one write"),
            used("manager.connection_check_interval", ValueType.seconds(false), java.time.Duration.ZERO,
                    "seconds between checks, while a session waits for its children, that the SMTP client is still "
                            + "connected (Linux /proc/net/tcp); 0 = never"),
            used("manager.defer_content_replies", ValueType.BOOLEAN, false, "(ours) ask the MTA not to wait for "
                    + "the answers to headers, end of headers and body chunks; a child's reject there is given at end "
                    + "of message"),
            used("manager.chunk_size", ValueType.CHUNK_SIZE, MilterManagerConfig.DEFAULT_CHUNK_SIZE,
                    "body bytes per packet sent to children after the first and for a replaced body"),
            ignored("manager.max_pending_finished_sessions", ValueType.COUNT, 0, "finished sessions are freed at once"),
            used("manager.max_body_bytes_in_memory", ValueType.integer(0, Long.MAX_VALUE),
                    MilterManagerConfig.DEFAULT_MAX_BODY_BYTES_IN_MEMORY,
                    "(ours) body bytes kept in memory before the body goes to a temporary file"),
            used("manager.temporary_directory", ValueType.PATH, null,
                    "(ours) where such files go (mode 0600, always deleted); unset = java.io.tmpdir"),
            used("controller.connection_spec", ValueType.OPTIONAL_CONNECTION_SPEC, null,
                    "where the control interface listens; unset = no control interface"),
            used("controller.unix_socket_mode", ValueType.OCTAL_MODE, ListenOptions.DEFAULT_UNIX_SOCKET_MODE,
                    "permissions of the control Unix socket"),
            used("controller.unix_socket_group", ValueType.NAME, null, "group given to the control Unix socket"),
            used("controller.remove_unix_socket_on_create", ValueType.BOOLEAN,
                    ListenOptions.DEFAULT_REMOVE_UNIX_SOCKET_ON_CREATE, "remove a stale control socket first"),
            used("controller.remove_unix_socket_on_close", ValueType.BOOLEAN,
                    ListenOptions.DEFAULT_REMOVE_UNIX_SOCKET_ON_CLOSE, "remove the control socket on exit"),
            used("controller.token_file", ValueType.PATH, null, "(ours) for a TCP control interface: the file the "
                    + "daemon writes a new token to (mode 0600) at each start; clients must present it"),
            ignored("database.type", ValueType.oneOf("mysql2", "sqlite3", "pg"), null, NO_DATABASE),
            ignored("database.name", ValueType.TEXT, null, NO_DATABASE),
            ignored("database.host", ValueType.TEXT, null, NO_DATABASE),
            ignored("database.port", ValueType.integer(0, 65535), null, NO_DATABASE),
            ignored("database.path", ValueType.PATH, null, NO_DATABASE),
            ignored("database.user", ValueType.TEXT, null, NO_DATABASE),
            ignored("database.password", ValueType.TEXT, null, NO_DATABASE),
            ignored("database.extra_options", ValueType.TEXT, null, NO_DATABASE));

    static final List<Item> MILTER = List.of(
            used("connection_spec", ValueType.OPTIONAL_CONNECTION_SPEC, null, "where the child listens (required)"),
            used("description", ValueType.TEXT, null, "free text, shown in logs"),
            used("enabled", ValueType.BOOLEAN, true, "a disabled child is never connected"),
            used("fallback_status", ValueType.STATUS, ChildConfig.DEFAULT_FALLBACK_STATUS,
                    "what the child's answer counts as when it fails (timeout, error)"),
            used("evaluation_mode", ValueType.BOOLEAN, false,
                    "the child runs and is counted, but its reject/tempfail/discard count as accept and its edits "
                            + "are dropped"),
            used("applicable_conditions", ValueType.NAME_LIST, null,
                    "conditions that must all allow the child (see docs/conditions.md)"),
            used("command", ValueType.WORDS, null, "the command that starts the child when its socket cannot be "
                    + "connected; the manager runs it, waits up to 5 s and connects once more"),
            used("command_options", ValueType.WORDS, null, "arguments added to the command"),
            ignored("user_name", ValueType.NAME, null, NO_USER_SWITCH),
            used("connection_timeout", ValueType.seconds(true), ChildConfig.DEFAULT_CONNECTION_TIMEOUT,
                    "seconds to connect and negotiate"),
            used("writing_timeout", ValueType.seconds(true), ChildConfig.DEFAULT_WRITING_TIMEOUT,
                    "seconds to write a packet to the child"),
            used("reading_timeout", ValueType.seconds(true), ChildConfig.DEFAULT_READING_TIMEOUT,
                    "seconds to wait for the child's answer"),
            used("end_of_message_timeout", ValueType.seconds(true), ChildConfig.DEFAULT_END_OF_MESSAGE_TIMEOUT,
                    "seconds to wait for the child's answer to end of message"),
            used("reuse_connection", ValueType.BOOLEAN, false, "keep the connection to the child for the next "
                    + "session (K, quit-new-connection, after end of message) instead of a new connection per "
                    + "session; ours, not the reference's"));

    private static final Map<String, Item> MANAGER_BY_KEY = index(MANAGER);
    private static final Map<String, Item> MILTER_BY_KEY = index(MILTER);

    /** The prefixes of the manager's items and of children. */
    static final List<String> SECTIONS = List.of("package", "security", "log", "manager", "controller", "database",
            "milter");

    private Items() {
    }

    private static Map<String, Item> index(List<Item> items) {
        Map<String, Item> map = new LinkedHashMap<>();
        items.forEach(i -> map.put(i.key(), i));
        return map;
    }

    static Optional<Item> manager(String key) {
        return Optional.ofNullable(MANAGER_BY_KEY.get(key));
    }

    static Optional<Item> milter(String item) {
        return Optional.ofNullable(MILTER_BY_KEY.get(item));
    }
}
