package dev.miltermanager.policy.conditions;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An answer of a DNSBL service that counts as "listed": one address ({@code 127.0.0.2}) or a range in CIDR form
 * ({@code 127.0.0.10/31}).
 */
record DnsblCode(InetAddress network, int prefixLength) {
    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");
    /** What a service without codes accepts: any loopback-range answer, as DNSBLs answer in 127.0.0.0/8. */
    static final DnsblCode ANY_LISTING = parse("127.0.0.0/8");

    DnsblCode {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " outside 0-" + bits);
        }
    }

    /**
     * Parses {@code ADDRESS} or {@code ADDRESS/PREFIX}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static DnsblCode parse(String text) {
        int slash = text.indexOf('/');
        InetAddress address = literal(slash < 0 ? text : text.substring(0, slash));
        int bits = address.getAddress().length * 8;
        if (slash < 0) {
            return new DnsblCode(address, bits);
        }
        String digits = text.substring(slash + 1);
        if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("not a prefix length: " + digits);
        }
        return new DnsblCode(address, Integer.parseInt(digits));
    }

    /**
     * An IPv4 (dotted quad) or IPv6 address literal, never looked up in DNS.
     *
     * @throws IllegalArgumentException when it is not one
     */
    static InetAddress literal(String text) {
        boolean v4 = IPV4.matcher(text).matches();
        if (!v4 && !(text.indexOf(':') >= 0 && IPV6.matcher(text).matches())) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
        try {
            // a dotted quad or a bracketed IPv6 literal is parsed by the JDK without any lookup
            return InetAddress.getByName(v4 ? text : "[" + text + "]");
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + text, e);
        }
    }

    /** Whether the answer lies in this range (an address of the other family never does). */
    boolean matches(InetAddress answer) {
        byte[] a = answer.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        int full = prefixLength / 8;
        if (!Arrays.equals(a, 0, full, n, 0, full)) {
            return false;
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[full] & mask) == (n[full] & mask);
    }

    @Override
    public String toString() {
        int bits = network.getAddress().length * 8;
        return network.getHostAddress() + (prefixLength == bits ? "" : "/" + prefixLength);
    }
}
