package dev.miltermanager.manager;

import dev.miltermanager.protocol.Command;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@link ConnectionChecker#procNetTcp()}: the kernel's table of TCP sockets, one line per socket,
 * {@code sl local_address rem_address st ...}, addresses in hexadecimal as the kernel stores them (each 32-bit word
 * in host byte order, little-endian here), the port and the state as hexadecimal numbers (state 01: established).
 */
final class ProcNetTcpChecker implements ConnectionChecker {
    private static final String ESTABLISHED = "01";

    private final Path[] tables;

    ProcNetTcpChecker(Path... tables) {
        this.tables = tables.clone();
    }

    @Override
    public boolean isConnected(Command.Connect connect, Map<String, String> connectMacros) {
        if (connect.family() == Command.Family.UNIX || connect.family() == Command.Family.UNKNOWN
                || connect.port() == 0) {
            return true;
        }
        InetAddress client = parse(connect.address());
        if (client == null) {
            return true;
        }
        String daemonAddress = connectMacros.get("{daemon_addr}");
        InetAddress daemon = daemonAddress == null ? null : parse(daemonAddress);
        String daemonPortText = connectMacros.get("{daemon_port}");
        int daemonPort = daemonPortText == null ? -1 : port(daemonPortText);
        return established(client, connect.port(), daemon, daemonPort);
    }

    /**
     * Whether a socket whose remote end is the client (and local end the daemon, when known) is established. Without
     * the daemon's address, other sockets may match too (an old one in TIME_WAIT whose peer had the same port): any
     * established one counts.
     */
    private boolean established(InetAddress client, int clientPort, InetAddress daemon, int daemonPort) {
        // a cheap test first: the tables can have tens of thousands of lines on a busy MTA
        String remotePortEstablished = String.format(":%04X %s ", clientPort, ESTABLISHED);
        for (Path table : tables) {
            try (BufferedReader in = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
                in.readLine(); // the column titles
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.contains(remotePortEstablished)) {
                        continue;
                    }
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 4) {
                        continue;
                    }
                    if (f[3].equals(ESTABLISHED) && matches(f[2], client, clientPort)
                            && (daemon == null || daemonPort < 0 || matches(f[1], daemon, daemonPort))) {
                        return true;
                    }
                }
            } catch (NoSuchFileException e) {
                // no IPv6 (or no IPv4) table: nothing to find there
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + table, e);
            }
        }
        return false;
    }

    /** Whether a table's {@code ADDRESS:PORT} field is {@code address} and {@code port}. */
    static boolean matches(String field, InetAddress address, int port) {
        int colon = field.indexOf(':');
        if (colon < 0 || Integer.parseInt(field.substring(colon + 1), 16) != port) {
            return false;
        }
        InetAddress a = decode(field.substring(0, colon));
        return a != null && a.equals(address);
    }

    /** A table's hexadecimal address; an IPv4-mapped IPv6 address comes back as the IPv4 address. */
    static InetAddress decode(String hex) {
        if (hex.length() != 8 && hex.length() != 32) {
            return null;
        }
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int i = 0; i < 4; i++) { // each 32-bit word is little-endian
                int at = word * 8 + (3 - i) * 2;
                bytes[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return InetAddress.getByAddress(bytes); // ::ffff:a.b.c.d becomes an Inet4Address
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An address as the MTA sends it ({@code 192.0.2.1}, {@code IPv6:2001:db8::1}, {@code [::1]}), or null. */
    private static InetAddress parse(String text) {
        String s = text.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.regionMatches(true, 0, "IPv6:", 0, 5)) {
            s = s.substring(5);
        }
        if (s.isEmpty() || !(s.indexOf(':') >= 0 || s.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            return null; // a name, not an address: no lookup here
        }
        try {
            return InetAddress.getByName(s); // a literal: no lookup; ::ffff:a.b.c.d comes back as IPv4
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static int port(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
