package dev.miltermanager.testing;

import dev.miltermanager.client.ClientOptions;
import dev.miltermanager.client.InProcessMilter;
import dev.miltermanager.client.MilterClient;
import dev.miltermanager.client.MilterClientException;
import dev.miltermanager.manager.ManagerSession;
import dev.miltermanager.protocol.MacroStage;
import dev.miltermanager.transport.ConnectionSpec;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An MTA in a box: it drives a milter (any language, over a socket) or a milter manager's in-process session the
 * way Postfix or Sendmail would, and returns what happened as a {@link MilterResult}, including the message as the
 * MTA would deliver it. This is the reference's {@code milter-test-server} as a library.
 *
 * <p>Immutable and thread-safe: one simulator configures any number of sessions. Each {@link MtaSession} is one
 * connection (one caller at a time). Built on {@link MilterClient}, so the milter's {@code NO_*}/{@code NR_*}
 * flags, SKIP and progress are honoured as the client documents.
 *
 * {@snippet :
 * MtaSimulator mta = MtaSimulator.builder().profile(MtaProfile.POSTFIX).build();
 * MilterResult result = mta.run(ConnectionSpec.parse("inet:8891@[127.0.0.1]"), TestMessage.builder()
 *         .from("alice@example.org").to("bob@example.net")
 *         .header("From", "<alice@example.org>").header("Subject", "hello")
 *         .body("Hi Bob\n").build());
 * result.assertThat().isDelivered().hasHeader("DKIM-Signature");
 * }
 *
 * @see MtaSession for several messages on one connection
 */
public final class MtaSimulator {
    /** The reference test server's default connect host name. */
    public static final String DEFAULT_CONNECT_HOST = "mx.example.net";
    /** The reference test server's default client address. */
    public static final String DEFAULT_CONNECT_ADDRESS = "inet:50443@[192.168.123.123]";
    /** The reference test server's default HELO name. */
    public static final String DEFAULT_HELO = "delian";
    /** The default protocol version offered. */
    public static final int DEFAULT_VERSION = 6;
    /** The simulated MTA's own host name ({@code j}). */
    public static final String DEFAULT_MTA_HOST_NAME = "mail.example.org";
    /** Timeouts: the reference test server's (connection 300 s, reading and writing 10 s, end of message 300 s). */
    public static final ClientOptions DEFAULT_TIMEOUTS = ClientOptions.builder()
            .connectTimeout(Duration.ofSeconds(300)).readTimeout(Duration.ofSeconds(10))
            .writeTimeout(Duration.ofSeconds(10)).endOfMessageTimeout(Duration.ofSeconds(300)).build();

    private final Builder b;

    private MtaSimulator(Builder builder) {
        this.b = builder.copy();
    }

    /** A builder with the defaults: the Postfix profile, version 6, the reference's connect and HELO values. */
    public static Builder builder() {
        return new Builder();
    }

    /** A simulator with every default and the given profile. */
    public static MtaSimulator of(MtaProfile profile) {
        return builder().profile(profile).build();
    }

    /** A builder starting from this simulator's settings. */
    public Builder toBuilder() {
        return b.copy();
    }

    /** The profile. */
    public MtaProfile profile() {
        return b.profile;
    }

    /**
     * Connects to the milter at {@code spec} and negotiates.
     *
     * @throws MtaSessionException if the connection or negotiation fails (cause: the client's exception)
     */
    public MtaSession open(ConnectionSpec spec) {
        MilterClient client;
        try {
            client = MilterClient.connect(spec, b.clientOptions);
        } catch (MilterClientException e) {
            throw new MtaSessionException("cannot connect to the milter at " + spec + ": " + e.getMessage(), "",
                    e);
        }
        return MtaSession.open(this, client);
    }

    /** Drives a milter manager's in-process session (no socket) and negotiates. */
    public MtaSession open(ManagerSession session) {
        Objects.requireNonNull(session, "session");
        return open("manager session", (command, responses) -> session.handle(command, responses::accept));
    }

    /** Drives any in-process milter and negotiates. */
    public MtaSession open(String name, InProcessMilter milter) {
        return MtaSession.open(this, MilterClient.inProcess(name, b.clientOptions, milter));
    }

    /** One connection, one message, then QUIT: the reference test server's run. */
    public MilterResult run(ConnectionSpec spec, TestMessage message) {
        try (MtaSession session = open(spec)) {
            MilterResult result = session.send(message);
            session.quit();
            return result;
        }
    }

    int version() {
        return b.version;
    }

    int actions() {
        return b.actions == null ? b.profile.offeredActions() : b.actions;
    }

    int protocol() {
        return b.protocol == null ? b.profile.offeredProtocol() : b.protocol;
    }

    String connectHost() {
        return b.connectHost;
    }

    String connectAddress() {
        return b.connectAddress;
    }

    String helo() {
        return b.helo;
    }

    Map<String, String> extraMacros(MacroStage stage) {
        return b.macros.getOrDefault(stage, Map.of());
    }

    MtaProfile.SessionFacts facts(String clientAddress, String queueId, boolean queueIdKnown, String sender,
            String recipient) {
        return new MtaProfile.SessionFacts(b.mtaHostName, b.daemonName, "127.0.0.1", b.connectHost, clientAddress,
                queueId, queueIdKnown, sender, recipient, b.authType, b.authName, b.authAuthor);
    }

    String mtaHostName() {
        return b.mtaHostName;
    }

    /** Settings of an {@link MtaSimulator}. Not thread-safe. */
    public static final class Builder {
        private MtaProfile profile = MtaProfile.POSTFIX;
        private int version = DEFAULT_VERSION;
        private Integer actions;
        private Integer protocol;
        private ClientOptions clientOptions = DEFAULT_TIMEOUTS;
        private String connectHost = DEFAULT_CONNECT_HOST;
        private String connectAddress = DEFAULT_CONNECT_ADDRESS;
        private String helo = DEFAULT_HELO;
        private String mtaHostName = DEFAULT_MTA_HOST_NAME;
        private String daemonName = "milter-test-server";
        private String authName;
        private String authType;
        private String authAuthor;
        private Map<MacroStage, Map<String, String>> macros = new EnumMap<>(MacroStage.class);

        private Builder() {
        }

        private Builder copy() {
            Builder c = new Builder();
            c.profile = profile;
            c.version = version;
            c.actions = actions;
            c.protocol = protocol;
            c.clientOptions = clientOptions;
            c.connectHost = connectHost;
            c.connectAddress = connectAddress;
            c.helo = helo;
            c.mtaHostName = mtaHostName;
            c.daemonName = daemonName;
            c.authName = authName;
            c.authType = authType;
            c.authAuthor = authAuthor;
            macros.forEach((stage, values) -> c.macros.put(stage, new LinkedHashMap<>(values)));
            return c;
        }

        /** The MTA to behave as: offers, default macros, header indexes (default Postfix). */
        public Builder profile(MtaProfile profile) {
            this.profile = Objects.requireNonNull(profile, "profile");
            return this;
        }

        /** The protocol version offered, 2..6 (default 6). */
        public Builder version(int version) {
            if (version < 2 || version > 6) {
                throw new IllegalArgumentException("the protocol version must be 2..6, not " + version);
            }
            this.version = version;
            return this;
        }

        /** The actions offered (bits of {@link dev.miltermanager.protocol.Action}); default: the profile's. */
        public Builder actions(int actions) {
            this.actions = actions;
            return this;
        }

        /** The protocol flags offered ({@link dev.miltermanager.protocol.ProtocolFlag} bits); default: the profile's. */
        public Builder protocol(int protocol) {
            this.protocol = protocol;
            return this;
        }

        /** Timeouts and the milter's name in messages (default {@link #DEFAULT_TIMEOUTS}). */
        public Builder clientOptions(ClientOptions options) {
            this.clientOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /** The SMTP client's host name sent at CONNECT. */
        public Builder connectHost(String host) {
            this.connectHost = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * The SMTP client's address sent at CONNECT: a spec ({@code inet:PORT@[ADDR]}, {@code inet6:PORT@[ADDR]},
         * {@code unix:PATH}) or a bare IPv4/IPv6 address (port 0).
         */
        public Builder connectAddress(String address) {
            ClientAddress.parse(address); // fail early
            this.connectAddress = address;
            return this;
        }

        /** The HELO name. */
        public Builder helo(String name) {
            this.helo = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The MTA's own host name ({@code j}). */
        public Builder mtaHostName(String name) {
            this.mtaHostName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** {@code {daemon_name}} (the reference: {@code --name}). */
        public Builder daemonName(String name) {
            this.daemonName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** SMTP AUTH facts sent at MAIL as {@code {auth_authen}}, {@code {auth_type}}, {@code {auth_author}}. */
        public Builder authenticated(String name, String type, String author) {
            this.authName = name;
            this.authType = type;
            this.authAuthor = author;
            return this;
        }

        /** Adds (or overrides) a macro sent at {@code stage} in every session. */
        public Builder macro(MacroStage stage, String name, String value) {
            macros.computeIfAbsent(stage, s -> new LinkedHashMap<>()).put(name, value);
            return this;
        }

        /** The simulator. */
        public MtaSimulator build() {
            return new MtaSimulator(this);
        }
    }
}
