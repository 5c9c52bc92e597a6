package dev.miltermanager.manager;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.PolicyContext;
import dev.miltermanager.protocol.Status;
import dev.miltermanager.transport.ConnectionSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One child milter of the manager, with the C milter manager's per-milter items and defaults: enabled, fallback
 * status (accept), evaluation mode (off), and the four timeouts (connection 297 s, writing 7 s, reading 7 s,
 * end of message 297 s: 3 s less than the MTAs' own, so the manager gives up first). Immutable.
 *
 * @param name unique among the children; used in logs and statistics
 * @param connectionSpec where the child listens
 * @param description free text, may be empty
 * @param enabled a disabled child is never connected
 * @param fallbackStatus what the child's answer counts as when it fails (timeout, I/O error, protocol violation,
 *     close without reply); it is then dropped for the session
 * @param evaluationMode the child runs and is counted, but its reject/tempfail/discard count as accept and its
 *     edits are dropped
 * @param conditions the policies that decide whether the child is applied; all must allow it. Those added with a
 *     name ({@link Builder#addCondition(String, ApplicabilityPolicy)}) are counted under it when they stop the child
 *     ({@link ChildStatistics#stops()})
 * @param command the argv that starts the child when its socket cannot be connected ({@code systemctl start NAME});
 *     empty for none. The manager runs it (one attempt at a time per child, whatever the number of sessions),
 *     waits for it up to {@code startWait}, and tries to connect once more.
 * @param startWait how long to wait for a started child before the second connection attempt; the wait ends early
 *     once a new Unix socket file exists or, for a TCP port, once the command has exited
 * @param reuseConnection whether a connection to the child is kept for the next MTA session when one ends right
 *     after end of message (with {@code K}, quit-new-connection, which libmilter supports), instead of QUIT and a
 *     new connection and negotiation for every session (default off, as in the reference)
 */
public record ChildConfig(String name, ConnectionSpec connectionSpec, String description, boolean enabled,
        Status fallbackStatus, boolean evaluationMode, Duration connectionTimeout, Duration writingTimeout,
        Duration readingTimeout, Duration endOfMessageTimeout, List<ApplicabilityPolicy> conditions,
        List<String> command, Duration startWait, boolean reuseConnection) {

    public static final Status DEFAULT_FALLBACK_STATUS = Status.ACCEPT;
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = ClientOptions.DEFAULT_CONNECT_TIMEOUT;
    public static final Duration DEFAULT_WRITING_TIMEOUT = ClientOptions.DEFAULT_WRITE_TIMEOUT;
    public static final Duration DEFAULT_READING_TIMEOUT = ClientOptions.DEFAULT_READ_TIMEOUT;
    public static final Duration DEFAULT_END_OF_MESSAGE_TIMEOUT = ClientOptions.DEFAULT_END_OF_MESSAGE_TIMEOUT;
    /** How long a started child is waited for before connecting again. */
    public static final Duration DEFAULT_START_WAIT = Duration.ofSeconds(5);

    public ChildConfig {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a child milter needs a name");
        }
        Objects.requireNonNull(connectionSpec, "connectionSpec of milter " + name);
        description = description == null ? "" : description;
        Objects.requireNonNull(fallbackStatus, "fallbackStatus");
        if (!(fallbackStatus == Status.ACCEPT || fallbackStatus.isFinal())) {
            throw new IllegalArgumentException("fallback status of milter " + name
                    + " must be accept, temporary-failure, reject or discard, not " + fallbackStatus.configName());
        }
        for (Duration d : List.of(connectionTimeout, writingTimeout, readingTimeout, endOfMessageTimeout)) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts of milter " + name + " must be positive: " + d);
            }
        }
        conditions = List.copyOf(conditions);
        command = List.copyOf(command);
        Objects.requireNonNull(startWait, "startWait");
        if (startWait.isNegative()) {
            throw new IllegalArgumentException("start wait of milter " + name + " must not be negative: " + startWait);
        }
    }

    /**
     * A child with the reference's eleven items and no start command: the shape this record had before
     * {@link #command()} was added.
     */
    public ChildConfig(String name, ConnectionSpec connectionSpec, String description, boolean enabled,
            Status fallbackStatus, boolean evaluationMode, Duration connectionTimeout, Duration writingTimeout,
            Duration readingTimeout, Duration endOfMessageTimeout, List<ApplicabilityPolicy> conditions) {
        this(name, connectionSpec, description, enabled, fallbackStatus, evaluationMode, connectionTimeout,
                writingTimeout, readingTimeout, endOfMessageTimeout, conditions, List.of(), DEFAULT_START_WAIT, false);
    }

    /**
     * A child with the reference's items and a start command, without connection reuse: the shape this record had
     * before {@link #reuseConnection()} was added.
     */
    public ChildConfig(String name, ConnectionSpec connectionSpec, String description, boolean enabled,
            Status fallbackStatus, boolean evaluationMode, Duration connectionTimeout, Duration writingTimeout,
            Duration readingTimeout, Duration endOfMessageTimeout, List<ApplicabilityPolicy> conditions,
            List<String> command, Duration startWait) {
        this(name, connectionSpec, description, enabled, fallbackStatus, evaluationMode, connectionTimeout,
                writingTimeout, readingTimeout, endOfMessageTimeout, conditions, command, startWait, false);
    }

    /** A child with every default. */
    public static ChildConfig of(String name, ConnectionSpec spec) {
        return builder(name, spec).build();
    }

    public static Builder builder(String name, ConnectionSpec spec) {
        return new Builder(name, spec);
    }

    public Builder toBuilder() {
        Builder b = new Builder(name, connectionSpec).description(description).enabled(enabled)
                .fallbackStatus(fallbackStatus).evaluationMode(evaluationMode).connectionTimeout(connectionTimeout)
                .writingTimeout(writingTimeout).readingTimeout(readingTimeout).endOfMessageTimeout(endOfMessageTimeout)
                .command(command).startWait(startWait).reuseConnection(reuseConnection);
        conditions.forEach(b::addCondition);
        return b;
    }

    /** The client options these settings give. */
    public ClientOptions clientOptions() {
        return ClientOptions.builder().name(name).connectTimeout(connectionTimeout).writeTimeout(writingTimeout)
                .readTimeout(readingTimeout).endOfMessageTimeout(endOfMessageTimeout).build();
    }

    /**
     * The name of each condition, in order: the name it was added with, or {@code "condition N"} (from 1) for one
     * added without a name.
     */
    public List<String> conditionNames() {
        List<String> names = new ArrayList<>(conditions.size());
        for (int i = 0; i < conditions.size(); i++) {
            names.add(conditions.get(i) instanceof NamedCondition named ? named.name() : "condition " + (i + 1));
        }
        return List.copyOf(names);
    }

    /** A condition added with its name (as a configuration names it); applies as its policy does. */
    record NamedCondition(String name, ApplicabilityPolicy policy) implements ApplicabilityPolicy {
        NamedCondition {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(policy, "condition " + name);
            if (name.isBlank()) {
                throw new IllegalArgumentException("a condition's name may not be blank");
            }
        }

        @Override
        public boolean applies(PolicyContext context) {
            return policy.applies(context);
        }
    }

    /** Builds a {@link ChildConfig}; every field starts at its default. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final ConnectionSpec spec;
        private String description = "";
        private boolean enabled = true;
        private Status fallbackStatus = DEFAULT_FALLBACK_STATUS;
        private boolean evaluationMode;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Duration writingTimeout = DEFAULT_WRITING_TIMEOUT;
        private Duration readingTimeout = DEFAULT_READING_TIMEOUT;
        private Duration endOfMessageTimeout = DEFAULT_END_OF_MESSAGE_TIMEOUT;
        private final List<ApplicabilityPolicy> conditions = new ArrayList<>();
        private List<String> command = List.of();
        private Duration startWait = DEFAULT_START_WAIT;
        private boolean reuseConnection;

        private Builder(String name, ConnectionSpec spec) {
            this.name = name;
            this.spec = spec;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        public Builder fallbackStatus(Status status) {
            this.fallbackStatus = status;
            return this;
        }

        public Builder evaluationMode(boolean evaluationMode) {
            this.evaluationMode = evaluationMode;
            return this;
        }

        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeout = timeout;
            return this;
        }

        public Builder writingTimeout(Duration timeout) {
            this.writingTimeout = timeout;
            return this;
        }

        public Builder readingTimeout(Duration timeout) {
            this.readingTimeout = timeout;
            return this;
        }

        public Builder endOfMessageTimeout(Duration timeout) {
            this.endOfMessageTimeout = timeout;
            return this;
        }

        /** Sets the four timeouts at once. */
        public Builder allTimeouts(Duration timeout) {
            return connectionTimeout(timeout).writingTimeout(timeout).readingTimeout(timeout)
                    .endOfMessageTimeout(timeout);
        }

        /** The argv that starts the child when it cannot be connected; empty (the default) for none. */
        public Builder command(List<String> command) {
            this.command = List.copyOf(command);
            return this;
        }

        /** How long to wait for a started child before connecting again (default 5 s). */
        public Builder startWait(Duration wait) {
            this.startWait = wait;
            return this;
        }

        /**
         * Whether a connection to the child is kept for the next MTA session when one ends right after end of
         * message, and used with {@code K} (quit-new-connection) instead of a new connection and negotiation. Off by
         * default, as in the reference: every session gets a new connection.
         */
        public Builder reuseConnection(boolean reuse) {
            this.reuseConnection = reuse;
            return this;
        }

        /** Adds a condition; it is counted as {@code "condition N"} in the statistics. */
        public Builder addCondition(ApplicabilityPolicy condition) {
            conditions.add(Objects.requireNonNull(condition, "condition"));
            return this;
        }

        /**
         * Adds a condition under a name ({@code "S25R"}, as the configuration names it), the name its stops are
         * counted under.
         */
        public Builder addCondition(String name, ApplicabilityPolicy condition) {
            conditions.add(new NamedCondition(name, condition));
            return this;
        }

        public ChildConfig build() {
            return new ChildConfig(name, spec, description, enabled, fallbackStatus, evaluationMode,
                    connectionTimeout, writingTimeout, readingTimeout, endOfMessageTimeout, conditions, command,
                    startWait, reuseConnection);
        }
    }
}
