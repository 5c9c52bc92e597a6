package dev.miltermanager.daemon.control;

import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.ListenOptions;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the control interface listens and how it is protected. A Unix socket ({@code controller.connection_spec =
 * unix:PATH}) is protected by its permissions ({@code controller.unix_socket_mode}, default 0660, and
 * {@code controller.unix_socket_group}); a TCP spec must name a loopback address and needs a token file, which the
 * server creates with mode 0600 and a client must present. Immutable.
 *
 * @param connectionSpec where to listen
 * @param listenOptions Unix socket mode, group and stale-socket removal; ignored for TCP
 * @param tokenFile where the server writes the token a TCP client must send; required for TCP, unused for Unix
 */
public record ControlOptions(ConnectionSpec connectionSpec, ListenOptions listenOptions, Optional<Path> tokenFile) {

    public ControlOptions {
        Objects.requireNonNull(connectionSpec, "connectionSpec");
        Objects.requireNonNull(listenOptions, "listenOptions");
        Objects.requireNonNull(tokenFile, "tokenFile");
    }

    /** A Unix socket with the default listen options (mode 0660, no group change). */
    public static ControlOptions unix(Path socket) {
        return new ControlOptions(ConnectionSpec.unix(socket), ListenOptions.DEFAULTS, Optional.empty());
    }

    /** A loopback TCP spec protected by a token written to {@code tokenFile}. */
    public static ControlOptions tcp(ConnectionSpec spec, Path tokenFile) {
        return new ControlOptions(spec, ListenOptions.DEFAULTS, Optional.of(tokenFile));
    }
}
