package dev.miltermanager.manager;

import dev.miltermanager.protocol.PacketLimits;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.ListenOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The manager's configuration, with the C milter manager's item names and defaults. Immutable; build it with
 * {@link #builder()}. The daemon's configuration file maps onto this record.
 *
 * @param connectionSpec where the manager listens for the MTA ({@code manager.connection_spec}, default
 *     {@code inet:10025@[127.0.0.1]})
 * @param listenOptions Unix socket mode and group, stale socket removal ({@code manager.unix_socket_*})
 * @param maxConnections the most MTA sessions served at once; excess connections wait, they are not refused;
 *     0 = unlimited ({@code manager.max_connections})
 * @param fallbackStatus the answer when the manager itself cannot decide: no child alive, internal trouble
 *     ({@code manager.fallback_status}, default accept)
 * @param fallbackStatusAtDisconnect the answer when the {@linkplain ConnectionChecker connection check} finds the
 *     SMTP client gone ({@code manager.fallback_status_at_disconnect}, default temporary-failure)
 * @param chunkSize body bytes per packet when replaying to later children and replacing the body (1..65535,
 *     {@code manager.chunk_size})
 * @param maxBodyBytesInMemory body bytes kept in memory before spilling to a temporary file (5 MiB)
 * @param temporaryDirectory where spilled bodies go (files 0600, always deleted)
 * @param children the child milters in order; disabled ones are kept but never connected
 * @param connectionCheckInterval how often a session waiting for its children asks {@code connectionChecker}
 *     whether the SMTP client is still there ({@code manager.connection_check_interval}); zero (the default) for
 *     never
 * @param connectionChecker what tells whether the SMTP client is still there (default
 *     {@link ConnectionChecker#none()}; {@link ConnectionChecker#procNetTcp()} on Linux)
 * @param deferContentReplies whether the MTA is asked not to wait for an answer to each header, the end of headers
 *     and each body chunk ({@code NR_HDR}, {@code NR_EOH}, {@code NR_BODY} where it offers them); a child's final
 *     answer at one of them is given at end of message, which Postfix and Sendmail report to the SMTP client at the
 *     same point anyway, after the message's final dot ({@code manager.defer_content_replies}; off by default; not
 *     in the reference)
 */
public record MilterManagerConfig(ConnectionSpec connectionSpec, ListenOptions listenOptions, int maxConnections,
        Status fallbackStatus, Status fallbackStatusAtDisconnect, int chunkSize, long maxBodyBytesInMemory,
        Path temporaryDirectory, List<ChildConfig> children, Duration connectionCheckInterval,
        ConnectionChecker connectionChecker, boolean deferContentReplies) {

    public static final ConnectionSpec DEFAULT_CONNECTION_SPEC = ConnectionSpec.parse("inet:10025@[127.0.0.1]");
    public static final int DEFAULT_MAX_CONNECTIONS = 0;
    public static final Status DEFAULT_FALLBACK_STATUS = Status.ACCEPT;
    public static final Status DEFAULT_FALLBACK_STATUS_AT_DISCONNECT = Status.TEMPORARY_FAILURE;
    public static final int DEFAULT_CHUNK_SIZE = PacketLimits.CHUNK_BYTES;
    public static final long DEFAULT_MAX_BODY_BYTES_IN_MEMORY = 5L * 1024 * 1024;

    public MilterManagerConfig {
        Objects.requireNonNull(connectionSpec, "connectionSpec");
        Objects.requireNonNull(listenOptions, "listenOptions");
        if (maxConnections < 0) {
            throw new IllegalArgumentException("max_connections must be 0 (unlimited) or more: " + maxConnections);
        }
        requireFallback(fallbackStatus, "fallback_status");
        requireFallback(fallbackStatusAtDisconnect, "fallback_status_at_disconnect");
        if (chunkSize < 1 || chunkSize > PacketLimits.CHUNK_BYTES) {
            throw new IllegalArgumentException("chunk_size must be 1.." + PacketLimits.CHUNK_BYTES + ": " + chunkSize);
        }
        if (maxBodyBytesInMemory < 0) {
            throw new IllegalArgumentException("the in-memory body limit must not be negative");
        }
        Objects.requireNonNull(temporaryDirectory, "temporaryDirectory");
        children = List.copyOf(children);
        Objects.requireNonNull(connectionCheckInterval, "connectionCheckInterval");
        if (connectionCheckInterval.isNegative()) {
            throw new IllegalArgumentException("connection_check_interval must be 0 (no check) or more: "
                    + connectionCheckInterval);
        }
        Objects.requireNonNull(connectionChecker, "connectionChecker");
        Set<String> names = new HashSet<>();
        for (ChildConfig c : children) {
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("two child milters are named " + c.name());
            }
        }
    }

    /** A configuration without {@link #deferContentReplies()}: the shape this record had before it was added. */
    public MilterManagerConfig(ConnectionSpec connectionSpec, ListenOptions listenOptions, int maxConnections,
            Status fallbackStatus, Status fallbackStatusAtDisconnect, int chunkSize, long maxBodyBytesInMemory,
            Path temporaryDirectory, List<ChildConfig> children, Duration connectionCheckInterval,
            ConnectionChecker connectionChecker) {
        this(connectionSpec, listenOptions, maxConnections, fallbackStatus, fallbackStatusAtDisconnect, chunkSize,
                maxBodyBytesInMemory, temporaryDirectory, children, connectionCheckInterval, connectionChecker, false);
    }

    private static void requireFallback(Status status, String item) {
        Objects.requireNonNull(status, item);
        if (!(status == Status.ACCEPT || status.isFinal())) {
            throw new IllegalArgumentException(item + " must be accept, temporary-failure, reject or discard, not "
                    + status.configName());
        }
    }

    /** The enabled children, in order. */
    public List<ChildConfig> enabledChildren() {
        return children.stream().filter(ChildConfig::enabled).toList();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder().connectionSpec(connectionSpec).listenOptions(listenOptions)
                .maxConnections(maxConnections).fallbackStatus(fallbackStatus)
                .fallbackStatusAtDisconnect(fallbackStatusAtDisconnect).chunkSize(chunkSize)
                .maxBodyBytesInMemory(maxBodyBytesInMemory).temporaryDirectory(temporaryDirectory)
                .connectionCheck(connectionCheckInterval, connectionChecker)
                .deferContentReplies(deferContentReplies);
        children.forEach(b::addChild);
        return b;
    }

    /** Builds a {@link MilterManagerConfig}; every item starts at its default. Not thread-safe. */
    public static final class Builder {
        private ConnectionSpec connectionSpec = DEFAULT_CONNECTION_SPEC;
        private ListenOptions listenOptions = ListenOptions.DEFAULTS;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private Status fallbackStatus = DEFAULT_FALLBACK_STATUS;
        private Status fallbackStatusAtDisconnect = DEFAULT_FALLBACK_STATUS_AT_DISCONNECT;
        private int chunkSize = DEFAULT_CHUNK_SIZE;
        private long maxBodyBytesInMemory = DEFAULT_MAX_BODY_BYTES_IN_MEMORY;
        private Path temporaryDirectory = Path.of(System.getProperty("java.io.tmpdir"));
        private final List<ChildConfig> children = new ArrayList<>();
        private Duration connectionCheckInterval = Duration.ZERO;
        private ConnectionChecker connectionChecker = ConnectionChecker.none();
        private boolean deferContentReplies;

        private Builder() {
        }

        public Builder connectionSpec(ConnectionSpec spec) {
            this.connectionSpec = spec;
            return this;
        }

        public Builder listenOptions(ListenOptions options) {
            this.listenOptions = options;
            return this;
        }

        public Builder maxConnections(int max) {
            this.maxConnections = max;
            return this;
        }

        public Builder fallbackStatus(Status status) {
            this.fallbackStatus = status;
            return this;
        }

        public Builder fallbackStatusAtDisconnect(Status status) {
            this.fallbackStatusAtDisconnect = status;
            return this;
        }

        public Builder chunkSize(int bytes) {
            this.chunkSize = bytes;
            return this;
        }

        public Builder maxBodyBytesInMemory(long bytes) {
            this.maxBodyBytesInMemory = bytes;
            return this;
        }

        public Builder temporaryDirectory(Path directory) {
            this.temporaryDirectory = directory;
            return this;
        }

        /**
         * Checks every {@code interval} whether the SMTP client of a session waiting for its children is still there
         * ({@code manager.connection_check_interval}; zero for never).
         */
        public Builder connectionCheck(Duration interval, ConnectionChecker checker) {
            this.connectionCheckInterval = interval;
            this.connectionChecker = checker;
            return this;
        }

        /**
         * Whether the MTA is asked not to wait for the answers to headers, end of headers and body chunks (the
         * no-reply flags, where it offers them): a child's final answer there is given at end of message instead.
         * Off by default.
         */
        public Builder deferContentReplies(boolean defer) {
            this.deferContentReplies = defer;
            return this;
        }

        /** Appends a child; children are used in the order added. */
        public Builder addChild(ChildConfig child) {
            children.add(Objects.requireNonNull(child, "child"));
            return this;
        }

        public MilterManagerConfig build() {
            return new MilterManagerConfig(connectionSpec, listenOptions, maxConnections, fallbackStatus,
                    fallbackStatusAtDisconnect, chunkSize, maxBodyBytesInMemory, temporaryDirectory, children,
                    connectionCheckInterval, connectionChecker, deferContentReplies);
        }
    }
}
