package dev.miltermanager.transport;

import java.net.StandardProtocolFamily;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/** Reads the textual connection specs described on {@link ConnectionSpec}. */
final class SpecParser {
    static final String EXPECTED_ANY = "inet:PORT[@HOST], inet6:PORT[@HOST], unix:PATH or local:PATH";
    static final String EXPECTED_INET = "inet:PORT, inet:PORT@HOST or inet:PORT@[IPV4-ADDRESS]";
    static final String EXPECTED_INET6 = "inet6:PORT, inet6:PORT@HOST or inet6:PORT@[IPV6-ADDRESS]";
    static final String EXPECTED_UNIX = "unix:PATH or local:PATH with a non-empty PATH";

    private final String spec;

    private SpecParser(String spec) {
        this.spec = spec;
    }

    static ConnectionSpec parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        return new SpecParser(spec).parse();
    }

    private ConnectionSpec parse() {
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw invalid(spec.isEmpty() ? "it is empty" : "it has no scheme", EXPECTED_ANY);
        }
        String scheme = spec.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = spec.substring(colon + 1);
        return switch (scheme) {
            case "unix", "local" -> unix(rest);
            case "inet" -> inet(StandardProtocolFamily.INET, rest, EXPECTED_INET);
            case "inet6" -> inet(StandardProtocolFamily.INET6, rest, EXPECTED_INET6);
            default -> throw invalid("unknown scheme \"" + spec.substring(0, colon) + "\"", EXPECTED_ANY);
        };
    }

    private ConnectionSpec unix(String path) {
        if (path.isBlank()) {
            throw invalid("the socket path is empty", EXPECTED_UNIX);
        }
        try {
            return new ConnectionSpec.Unix(Path.of(path));
        } catch (InvalidPathException e) {
            throw invalid("the socket path is not valid (" + e.getReason() + ")", EXPECTED_UNIX);
        }
    }

    private ConnectionSpec inet(StandardProtocolFamily family, String rest, String expected) {
        String portText = rest;
        String hostText = null;
        boolean postfixForm = false;
        int at = rest.indexOf('@');
        if (at >= 0) {
            portText = rest.substring(0, at);
            hostText = rest.substring(at + 1);
            if (hostText.isEmpty()) {
                throw invalid("the host after '@' is empty", expected);
            }
        } else if (family == StandardProtocolFamily.INET && (rest.indexOf(':') >= 0 || rest.startsWith("["))) {
            // Postfix writes inet:HOST:PORT and inet:[ADDR]:PORT
            postfixForm = true;
            int colon = rest.lastIndexOf(':');
            hostText = colon < 0 ? rest : rest.substring(0, colon);
            portText = colon < 0 ? "" : rest.substring(colon + 1);
            if (hostText.isEmpty()) {
                throw invalid("the host before the port is empty", expected);
            }
        }
        int port = port(portText, expected);
        if (hostText == null) {
            return new ConnectionSpec.Inet(family, Optional.empty(), port);
        }
        return host(family, hostText, port, postfixForm, expected);
    }

    private ConnectionSpec host(StandardProtocolFamily family, String text, int port, boolean postfixForm,
                                String expected) {
        boolean opens = text.startsWith("[");
        boolean closes = text.endsWith("]");
        String host = text;
        if (opens || closes) {
            if (!opens || !closes || text.length() < 2) {
                throw invalid("unbalanced brackets in \"" + text + "\"", expected);
            }
            host = text.substring(1, text.length() - 1);
            if (host.isEmpty()) {
                throw invalid("the address between the brackets is empty", expected);
            }
            if (!isLiteral(host)) {
                String kind = family == StandardProtocolFamily.INET ? "an IPv4" : "an IPv6";
                throw invalid("\"" + host + "\" in brackets is not " + kind + " address", expected);
            }
            if (postfixForm && AddressLiterals.normalizeIpv6(host) != null) {
                family = StandardProtocolFamily.INET6; // Postfix's inet: covers both families
            }
        }
        if (host.indexOf('[') >= 0 || host.indexOf(']') >= 0) {
            throw invalid("unbalanced brackets in \"" + text + "\"", expected);
        }
        try {
            return new ConnectionSpec.Inet(family, Optional.of(host), port);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage(), expected);
        }
    }

    private static boolean isLiteral(String host) {
        return AddressLiterals.normalizeIpv4(host) != null || AddressLiterals.normalizeIpv6(host) != null;
    }

    private int port(String text, String expected) {
        if (text.isEmpty()) {
            throw invalid("the port is missing", expected);
        }
        if (text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(text) > 65535) {
            throw invalid("the port \"" + text + "\" is not a number from 0 to 65535", expected);
        }
        return Integer.parseInt(text);
    }

    private InvalidConnectionSpecException invalid(String reason, String expected) {
        return new InvalidConnectionSpecException(spec, reason, expected);
    }
}
