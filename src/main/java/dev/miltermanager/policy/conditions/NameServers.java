package dev.miltermanager.policy.conditions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Where the DNSBL queries go: the configured name servers, or those of {@code /etc/resolv.conf}. */
final class NameServers {
    static final int DNS_PORT = 53;
    static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");

    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*");

    private NameServers() {
    }

    /**
     * An IPv4 (dotted quad) or IPv6 address literal, never looked up in DNS.
     *
     * @throws IllegalArgumentException when it is not one
     */
    static InetAddress literal(String text) {
        boolean v4 = IPV4.matcher(text).matches();
        if (!v4 && !IPV6.matcher(text).matches()) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
        try {
            // a valid dotted quad or a bracketed IPv6 literal is parsed by the JDK without any lookup
            return InetAddress.getByName(v4 ? text : "[" + text + "]");
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + text, e);
        }
    }

    /**
     * Parses one name server: an IP address or host name with an optional port, {@code 192.0.2.53},
     * {@code 192.0.2.53:5353}, {@code [2001:db8::53]:5353} or {@code 2001:db8::53}.
     *
     * @throws IllegalArgumentException when it is none of these or the host name does not resolve
     */
    static InetSocketAddress parse(String text) {
        String s = text.trim();
        String host = s;
        int port = DNS_PORT;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unclosed [ in " + text);
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("unexpected " + rest + " after ]");
                }
                port = port(rest.substring(1), text);
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = port(s.substring(s.indexOf(':') + 1), text);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("no host in " + text);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + host, e);
        }
    }

    private static int port(String digits, String text) {
        try {
            int port = Integer.parseInt(digits);
            if (port >= 1 && port <= 0xFFFF) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("not a port number 1-65535 in " + text + ": " + digits);
    }

    /**
     * The {@code nameserver} lines of a resolv.conf file, in order (an IPv6 zone suffix such as {@code %eth0} is
     * dropped); empty when the file is missing or lists none.
     */
    static List<InetSocketAddress> fromResolvConf(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String line : lines) {
            String[] words = line.trim().split("\\s+");
            if (words.length >= 2 && words[0].equals("nameserver")) {
                String address = words[1].replaceFirst("%.*$", "");
                try {
                    servers.add(new InetSocketAddress(literal(address), DNS_PORT));
                } catch (IllegalArgumentException e) {
                    // not an address: resolvers skip such lines too
                }
            }
        }
        return servers;
    }
}
