package dev.miltermanager.protocol;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A packet from the MTA to a milter: one record per command code. Encode and decode with {@link CommandCodec}.
 *
 * <p>Strings are decoded without loss (see {@link WireText}). Records that carry bytes hold a read-only buffer and
 * hand out duplicates.
 */
public sealed interface Command {

    /** The command code on the wire. */
    char code();

    /** {@code O}: the MTA's offer of protocol version, actions and protocol flags. */
    record Negotiate(int version, int actions, int protocol) implements Command {
        @Override
        public char code() {
            return 'O';
        }

        @Override
        public String toString() {
            return "Negotiate[version=" + version + ", actions=" + Action.describe(actions)
                    + ", protocol=" + ProtocolFlag.describe(protocol) + "]";
        }
    }

    /**
     * {@code D}: macros that belong to the command with code {@code commandCode} and arrive just before it.
     *
     * @param macros names (such as {@code j} or {@code {daemon_name}}) to values, in wire order
     */
    record Macros(char commandCode, Map<String, String> macros) implements Command {
        public Macros {
            if (commandCode > 0xFF) {
                throw new IllegalArgumentException("macro command code must be one byte: "
                        + Packet.describeCode(commandCode));
            }
            macros = Collections.unmodifiableMap(new LinkedHashMap<>(macros));
        }

        @Override
        public char code() {
            return 'D';
        }
    }

    /** The address family of a connecting client ({@code SMFIA_*}). */
    enum Family {
        /** {@code 4}: IPv4. */
        INET('4'),
        /** {@code 6}: IPv6. */
        INET6('6'),
        /** {@code L}: a local (Unix) socket; the address is its path. */
        UNIX('L'),
        /** {@code U}: unknown; no port and no address follow. */
        UNKNOWN('U');

        private final char wire;

        Family(char wire) {
            this.wire = wire;
        }

        /** The character on the wire. */
        public char wire() {
            return wire;
        }

        /** The family of a wire character. */
        public static Family ofWire(char c) {
            for (Family f : values()) {
                if (f.wire == c) {
                    return f;
                }
            }
            throw new MalformedPacketException("unknown address family " + Packet.describeCode(c)
                    + " (expected '4', '6', 'L' or 'U')");
        }
    }

    /**
     * {@code C}: the SMTP client connected.
     *
     * @param hostname the client's host name as the MTA resolved it ({@code [ADDR]} when the lookup failed)
     * @param family the address family
     * @param port the client's port (0 for Unix and unknown)
     * @param address the client's address as text, or the socket path for {@link Family#UNIX}; empty for unknown
     */
    record Connect(String hostname, Family family, int port, String address) implements Command {
        public Connect {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(family, "family");
            Objects.requireNonNull(address, "address");
            if (port < 0 || port > 0xFFFF) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            if (family == Family.UNKNOWN && (port != 0 || !address.isEmpty())) {
                throw new IllegalArgumentException("an unknown family carries no port and no address");
            }
        }

        /** A client of unknown address. */
        public static Connect unknown(String hostname) {
            return new Connect(hostname, Family.UNKNOWN, 0, "");
        }

        @Override
        public char code() {
            return 'C';
        }
    }

    /** {@code H}: the HELO or EHLO argument. */
    record Helo(String name) implements Command {
        public Helo {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public char code() {
            return 'H';
        }
    }

    /** {@code M}: MAIL FROM, the sender as sent (usually in angle brackets) and its ESMTP arguments. */
    record MailFrom(String sender, List<String> esmtpArgs) implements Command {
        public MailFrom {
            Objects.requireNonNull(sender, "sender");
            esmtpArgs = List.copyOf(esmtpArgs);
        }

        public MailFrom(String sender) {
            this(sender, List.of());
        }

        @Override
        public char code() {
            return 'M';
        }
    }

    /** {@code R}: RCPT TO, one recipient as sent and its ESMTP arguments. */
    record Recipient(String recipient, List<String> esmtpArgs) implements Command {
        public Recipient {
            Objects.requireNonNull(recipient, "recipient");
            esmtpArgs = List.copyOf(esmtpArgs);
        }

        public Recipient(String recipient) {
            this(recipient, List.of());
        }

        @Override
        public char code() {
            return 'R';
        }
    }

    /** {@code T}: the DATA command (protocol version 4 and later). */
    record Data() implements Command {
        @Override
        public char code() {
            return 'T';
        }
    }

    /**
     * {@code L}: one header. Folded values use a bare LF; whether the value keeps the space after the colon
     * depends on {@link ProtocolFlag#HEADER_LEADING_SPACE}.
     */
    record Header(String name, String value) implements Command {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public char code() {
            return 'L';
        }
    }

    /** {@code N}: end of headers. */
    record EndOfHeaders() implements Command {
        @Override
        public char code() {
            return 'N';
        }
    }

    /** {@code B}: a chunk of the body, CRLF line ends, at most 65535 bytes unless a larger size was negotiated. */
    record Body(ByteBuffer chunk) implements Command {
        public Body {
            chunk = chunk.slice().asReadOnlyBuffer();
        }

        /** A chunk over {@code bytes}, not copied. */
        public static Body of(byte[] bytes) {
            return new Body(ByteBuffer.wrap(bytes));
        }

        @Override
        public ByteBuffer chunk() {
            return chunk.duplicate();
        }

        /** The chunk's bytes, copied. */
        public byte[] toByteArray() {
            byte[] bytes = new byte[chunk.remaining()];
            chunk.duplicate().get(bytes);
            return bytes;
        }

        @Override
        public char code() {
            return 'B';
        }

        @Override
        public String toString() {
            return "Body[" + chunk.remaining() + " bytes]";
        }
    }

    /**
     * {@code E}: end of message. libmilter accepts a last body chunk here; Postfix and Sendmail always send none.
     */
    record EndOfMessage(ByteBuffer chunk) implements Command {
        public EndOfMessage {
            chunk = chunk.slice().asReadOnlyBuffer();
        }

        public EndOfMessage() {
            this(ByteBuffer.allocate(0));
        }

        @Override
        public ByteBuffer chunk() {
            return chunk.duplicate();
        }

        @Override
        public char code() {
            return 'E';
        }

        @Override
        public String toString() {
            return "EndOfMessage[" + chunk.remaining() + " bytes]";
        }
    }

    /** {@code U}: an SMTP command the MTA did not recognise (protocol version 3 and later). */
    record Unknown(String line) implements Command {
        public Unknown {
            Objects.requireNonNull(line, "line");
        }

        @Override
        public char code() {
            return 'U';
        }
    }

    /** {@code A}: the current message is abandoned (also sent by Postfix after every transaction). No reply. */
    record Abort() implements Command {
        @Override
        public char code() {
            return 'A';
        }
    }

    /** {@code Q}: the session ends; the milter closes the connection. No reply. */
    record Quit() implements Command {
        @Override
        public char code() {
            return 'Q';
        }
    }

    /** {@code K}: the session ends but the connection stays open for a new {@code C}. No reply. */
    record QuitNewConnection() implements Command {
        @Override
        public char code() {
            return 'K';
        }
    }
}
