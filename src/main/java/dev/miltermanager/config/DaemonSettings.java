package dev.miltermanager.config;

import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.ListenOptions;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of the daemon process that are not the manager's: logging, the pid file and the control interface.
 * Immutable.
 *
 * @param logLevel the threshold of the daemon's log ({@code log.level}; the reference's level names map onto it)
 * @param logLevelText {@code log.level} as configured ({@code default}, {@code warning|statistics}, …)
 * @param logPath the file the log is appended to ({@code log.path}); empty = standard error
 * @param pidFile where the process id is written once listening ({@code manager.pid_file}); removed on exit
 * @param controllerConnectionSpec where the control interface listens ({@code controller.connection_spec}); empty =
 *     none
 * @param controllerListenOptions its Unix socket mode, group and removal ({@code controller.unix_socket_*})
 * @param controllerTokenFile where a TCP control interface writes the token clients must present
 *     ({@code controller.token_file}); empty for none
 */
public record DaemonSettings(System.Logger.Level logLevel, String logLevelText, Optional<Path> logPath,
        Optional<Path> pidFile, Optional<ConnectionSpec> controllerConnectionSpec,
        ListenOptions controllerListenOptions, Optional<Path> controllerTokenFile) {

    public DaemonSettings {
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(logLevelText, "logLevelText");
        Objects.requireNonNull(logPath, "logPath");
        Objects.requireNonNull(pidFile, "pidFile");
        Objects.requireNonNull(controllerConnectionSpec, "controllerConnectionSpec");
        Objects.requireNonNull(controllerListenOptions, "controllerListenOptions");
        Objects.requireNonNull(controllerTokenFile, "controllerTokenFile");
    }
}
