package dev.miltermanager.client;

import dev.miltermanager.protocol.PacketLimits;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link MilterClient} talks to one milter: its timeouts, the largest reply it reads, and a name for logs.
 * Immutable; start from {@link #DEFAULTS} or {@link #builder()} and change values with the {@code with*} methods.
 * The defaults are the C milter manager's per-child defaults, a little below the MTAs' own, so the manager gives up
 * on a child before the MTA gives up on the manager.
 *
 * {@snippet :
 * ClientOptions options = ClientOptions.builder()
 *         .name("clamav")
 *         .readTimeout(Duration.ofSeconds(10))
 *         .build();
 * }
 *
 * @param connectTimeout how long opening the connection may take
 * @param writeTimeout how long one write may block (a command with its macros, or up to 1 MiB of body chunks)
 * @param readTimeout how long to wait for the reply to negotiation or to an event; each progress packet from the
 *     milter starts it again
 * @param endOfMessageTimeout how long to wait, after sending end of message, for the final verdict (modifications
 *     arriving meanwhile do not extend it); each progress packet from the milter starts it again
 * @param maxReplyDataBytes the largest data part of one packet read from the milter, in bytes; a larger announced
 *     length is a protocol violation
 * @param name a name for logs and exception messages, such as the configured child name; empty to use the
 *     connection spec alone
 */
public record ClientOptions(Duration connectTimeout, Duration writeTimeout, Duration readTimeout,
        Duration endOfMessageTimeout, int maxReplyDataBytes, Optional<String> name) {

    /** Default {@link #connectTimeout()}: 297 s. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(297);
    /** Default {@link #writeTimeout()}: 7 s. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(7);
    /** Default {@link #readTimeout()}: 7 s. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(7);
    /** Default {@link #endOfMessageTimeout()}: 297 s. */
    public static final Duration DEFAULT_END_OF_MESSAGE_TIMEOUT = Duration.ofSeconds(297);
    /** Default {@link #maxReplyDataBytes()}: 1 MiB. */
    public static final int DEFAULT_MAX_REPLY_DATA_BYTES = PacketLimits.DEFAULT_MILTER_DATA_BYTES;
    /** The smallest {@link #maxReplyDataBytes()} accepted: a replaced-body packet of the usual chunk size must fit. */
    public static final int MIN_MAX_REPLY_DATA_BYTES = PacketLimits.CHUNK_BYTES;
    /** Every default, no name. */
    public static final ClientOptions DEFAULTS = new ClientOptions(DEFAULT_CONNECT_TIMEOUT, DEFAULT_WRITE_TIMEOUT,
            DEFAULT_READ_TIMEOUT, DEFAULT_END_OF_MESSAGE_TIMEOUT, DEFAULT_MAX_REPLY_DATA_BYTES, Optional.empty());

    /**
     * @throws IllegalArgumentException when a timeout is not positive, the reply cap is below
     *     {@link #MIN_MAX_REPLY_DATA_BYTES}, or the name is blank
     */
    public ClientOptions {
        positive(connectTimeout, "connectTimeout");
        positive(writeTimeout, "writeTimeout");
        positive(readTimeout, "readTimeout");
        positive(endOfMessageTimeout, "endOfMessageTimeout");
        if (maxReplyDataBytes < MIN_MAX_REPLY_DATA_BYTES) {
            throw new IllegalArgumentException("maxReplyDataBytes must be at least " + MIN_MAX_REPLY_DATA_BYTES
                    + " bytes, not " + maxReplyDataBytes);
        }
        Objects.requireNonNull(name, "name");
        if (name.isPresent() && name.get().isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** These options with another connect timeout. */
    public ClientOptions withConnectTimeout(Duration timeout) {
        return toBuilder().connectTimeout(timeout).build();
    }

    /** These options with another write timeout. */
    public ClientOptions withWriteTimeout(Duration timeout) {
        return toBuilder().writeTimeout(timeout).build();
    }

    /** These options with another read timeout. */
    public ClientOptions withReadTimeout(Duration timeout) {
        return toBuilder().readTimeout(timeout).build();
    }

    /** These options with another end-of-message timeout. */
    public ClientOptions withEndOfMessageTimeout(Duration timeout) {
        return toBuilder().endOfMessageTimeout(timeout).build();
    }

    /** These options with another reply cap, in bytes. */
    public ClientOptions withMaxReplyDataBytes(int bytes) {
        return toBuilder().maxReplyDataBytes(bytes).build();
    }

    /** These options with a name for logs. */
    public ClientOptions withName(String name) {
        return toBuilder().name(name).build();
    }

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, not " + d);
        }
    }

    /** Collects option values; {@link #build()} validates them. Not thread-safe. */
    public static final class Builder {
        private Duration connectTimeout;
        private Duration writeTimeout;
        private Duration readTimeout;
        private Duration endOfMessageTimeout;
        private int maxReplyDataBytes;
        private Optional<String> name;

        private Builder(ClientOptions from) {
            connectTimeout = from.connectTimeout;
            writeTimeout = from.writeTimeout;
            readTimeout = from.readTimeout;
            endOfMessageTimeout = from.endOfMessageTimeout;
            maxReplyDataBytes = from.maxReplyDataBytes;
            name = from.name;
        }

        /** See {@link ClientOptions#connectTimeout()}. */
        public Builder connectTimeout(Duration timeout) {
            connectTimeout = timeout;
            return this;
        }

        /** See {@link ClientOptions#writeTimeout()}. */
        public Builder writeTimeout(Duration timeout) {
            writeTimeout = timeout;
            return this;
        }

        /** See {@link ClientOptions#readTimeout()}. */
        public Builder readTimeout(Duration timeout) {
            readTimeout = timeout;
            return this;
        }

        /** See {@link ClientOptions#endOfMessageTimeout()}. */
        public Builder endOfMessageTimeout(Duration timeout) {
            endOfMessageTimeout = timeout;
            return this;
        }

        /** Sets the connect, write, read and end-of-message timeouts at once. */
        public Builder allTimeouts(Duration timeout) {
            return connectTimeout(timeout).writeTimeout(timeout).readTimeout(timeout).endOfMessageTimeout(timeout);
        }

        /** See {@link ClientOptions#maxReplyDataBytes()}. */
        public Builder maxReplyDataBytes(int bytes) {
            maxReplyDataBytes = bytes;
            return this;
        }

        /** See {@link ClientOptions#name()}; {@code null} for none. */
        public Builder name(String name) {
            this.name = Optional.ofNullable(name);
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException as the {@linkplain ClientOptions#ClientOptions canonical constructor}
         */
        public ClientOptions build() {
            return new ClientOptions(connectTimeout, writeTimeout, readTimeout, endOfMessageTimeout,
                    maxReplyDataBytes, name);
        }
    }
}
