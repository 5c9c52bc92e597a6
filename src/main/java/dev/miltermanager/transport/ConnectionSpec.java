package dev.miltermanager.transport;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a milter listens or is reached: a TCP port on an IPv4 or IPv6 address, or a Unix-domain socket path.
 *
 * <p>{@link #parse(String)} reads the spellings used by Sendmail, Postfix and the C milter manager:
 * <ul>
 *   <li>{@code inet:PORT} (all IPv4 interfaces), {@code inet:PORT@HOST}, {@code inet:PORT@[ADDR]} (IPv4
 *       literal, brackets optional);</li>
 *   <li>{@code inet6:PORT} (all IPv6 interfaces), {@code inet6:PORT@HOST}, {@code inet6:PORT@[ADDR]}
 *       (IPv6 literal, e.g. {@code inet6:10025@[::1]});</li>
 *   <li>Postfix's {@code inet:HOST:PORT} and {@code inet:[ADDR]:PORT}; a bracketed IPv6 literal there gives an
 *       {@code inet6} spec;</li>
 *   <li>{@code unix:PATH} and its synonym {@code local:PATH}.</li>
 * </ul>
 * The scheme is case-insensitive. Ports run from 0 to 65535; 0 means "any free port" when listening. Host names
 * are kept as written and resolved only when the spec is used; address literals are normalised (IPv6 in
 * RFC 5952 form), so {@code inet:25@127.0.0.1} and {@code inet:25@[127.0.0.1]} are equal.
 *
 * <p>{@link #toString()} prints the canonical form ({@code inet:PORT@[ADDR]}, {@code inet:PORT@HOST},
 * {@code unix:PATH}), which parses back to an equal value. Specs are immutable values, safe to share.
 *
 * {@snippet :
 * ConnectionSpec spec = ConnectionSpec.parse("inet:10025@[127.0.0.1]");
 * if (spec instanceof ConnectionSpec.Inet inet) {
 *     int port = inet.port(); // 10025
 * }
 * }
 */
public sealed interface ConnectionSpec permits ConnectionSpec.Inet, ConnectionSpec.Unix {

    /**
     * Parses a connection spec.
     *
     * @throws InvalidConnectionSpecException if the text is not one of the accepted spellings; the message quotes
     *     the whole spec and says what was expected
     */
    static ConnectionSpec parse(String spec) {
        return SpecParser.parse(spec);
    }

    /** A TCP spec on IPv4 ({@code inet:}); {@code host} is a name or an IPv4 literal, {@code null} for all interfaces. */
    static Inet inet(String host, int port) {
        return new Inet(StandardProtocolFamily.INET, Optional.ofNullable(host), port);
    }

    /** A TCP spec on IPv6 ({@code inet6:}); {@code host} is a name or an IPv6 literal, {@code null} for all interfaces. */
    static Inet inet6(String host, int port) {
        return new Inet(StandardProtocolFamily.INET6, Optional.ofNullable(host), port);
    }

    /** A Unix-domain socket spec ({@code unix:}). */
    static Unix unix(Path path) {
        return new Unix(path);
    }

    /** {@code INET}, {@code INET6} or {@code UNIX}: the protocol family of the socket this spec names. */
    StandardProtocolFamily family();

    /**
     * The socket address to bind to. For {@code inet} specs without a host this is the wildcard address of the
     * family; a host name is resolved now, to its first address of the family.
     *
     * @throws UnknownHostException if the host name has no address of the spec's family
     */
    SocketAddress toSocketAddress() throws UnknownHostException;

    /** The canonical spelling, which {@link #parse(String)} reads back to an equal spec. */
    @Override
    String toString();

    /**
     * A TCP endpoint.
     *
     * @param family {@link StandardProtocolFamily#INET} ({@code inet:}) or {@link StandardProtocolFamily#INET6}
     *     ({@code inet6:})
     * @param host a host name (kept as given) or an address literal of the family (normalised, without brackets);
     *     empty for all interfaces
     * @param port 0 to 65535; 0 asks for a free port when listening
     */
    record Inet(StandardProtocolFamily family, Optional<String> host, int port) implements ConnectionSpec {
        /** @throws IllegalArgumentException for a bad family, port or host */
        public Inet {
            Objects.requireNonNull(family, "family");
            Objects.requireNonNull(host, "host");
            if (family == StandardProtocolFamily.UNIX) {
                throw new IllegalArgumentException("an inet spec needs the INET or INET6 family, not UNIX");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("the port must be from 0 to 65535, not " + port);
            }
            host = host.map(name -> HostRule.normalize(family, name));
        }

        /** The same spec on another port (used to report the port really bound when 0 was asked). */
        public Inet withPort(int newPort) {
            return new Inet(family, host, newPort);
        }

        @Override
        public InetSocketAddress toSocketAddress() throws UnknownHostException {
            return Addresses.bindAddress(this);
        }

        @Override
        public String toString() {
            String scheme = family == StandardProtocolFamily.INET ? "inet:" : "inet6:";
            return scheme + port + host.map(h -> HostRule.isLiteral(h) ? "@[" + h + "]" : "@" + h).orElse("");
        }
    }

    /**
     * A Unix-domain socket.
     *
     * @param path the socket file's path, absolute or relative to the working directory; never empty
     */
    record Unix(Path path) implements ConnectionSpec {
        /** @throws IllegalArgumentException for an empty path */
        public Unix {
            Objects.requireNonNull(path, "path");
            if (path.toString().isBlank()) {
                throw new IllegalArgumentException("the socket path is empty");
            }
        }

        @Override
        public StandardProtocolFamily family() {
            return StandardProtocolFamily.UNIX;
        }

        @Override
        public UnixDomainSocketAddress toSocketAddress() {
            return UnixDomainSocketAddress.of(path);
        }

        @Override
        public String toString() {
            return "unix:" + path;
        }
    }
}
