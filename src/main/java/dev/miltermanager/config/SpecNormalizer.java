package dev.miltermanager.config;

import dev.miltermanager.transport.ConnectionSpec;
import dev.miltermanager.transport.InvalidConnectionSpecException;
import java.util.List;
import java.util.Optional;

/**
 * Turns a socket value found in a file into the connection spec the manager connects to, or a problem line. A bare
 * absolute path and {@code local:PATH} become {@code unix:PATH}; {@code inet:PORT} and wildcard hosts
 * ({@code 0.0.0.0}, {@code ::}, {@code *}) mean the milter listens on every interface and are reached on loopback.
 * A value that still holds a shell variable ({@code $RUNDIR}, {@code `cmd`}) or does not parse is reported as
 * {@code file:line: …; skipped} (reference issue #154: one bad value must not stop the manager).
 */
final class SpecNormalizer {

    private SpecNormalizer() {
    }

    /** The canonical spec of {@code found}, or empty after adding a problem to {@code problems}. */
    static Optional<String> normalize(Setting found, List<String> problems) {
        String value = unquote(found.value().strip());
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.contains("$") || value.contains("`")) {
            problems.add(found.origin() + ": '" + value + "' holds an unexpanded shell variable, so the socket is"
                    + " unknown; skipped");
            return Optional.empty();
        }
        String spec = value.startsWith("/") ? "unix:" + value : value.replaceFirst("^(?i)(?:(?:unix|local):)+", "unix:");
        try {
            return Optional.of(loopbackIfWildcard(ConnectionSpec.parse(spec)).toString());
        } catch (InvalidConnectionSpecException e) {
            problems.add(found.origin() + ": '" + value + "' is not a connection spec (" + e.getMessage()
                    + "); skipped");
            return Optional.empty();
        }
    }

    private static ConnectionSpec loopbackIfWildcard(ConnectionSpec spec) {
        if (spec instanceof ConnectionSpec.Inet inet) {
            String host = inet.host().orElse("");
            boolean v6 = inet.family() == java.net.StandardProtocolFamily.INET6;
            if (host.isEmpty() || host.equals("*") || host.equals("0.0.0.0") || host.equals("::")) {
                return v6 ? ConnectionSpec.inet6("::1", inet.port()) : ConnectionSpec.inet("127.0.0.1", inet.port());
            }
        }
        return spec;
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                || value.startsWith("'") && value.endsWith("'"))) {
            return value.substring(1, value.length() - 1).strip();
        }
        return value;
    }
}
