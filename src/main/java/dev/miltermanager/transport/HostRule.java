package dev.miltermanager.transport;

import java.net.StandardProtocolFamily;

/** Validates the host of an inet spec against its family and returns the normalised form. */
final class HostRule {
    private HostRule() {
    }

    /** @throws IllegalArgumentException with a reason that names the host and says what fits instead */
    static String normalize(StandardProtocolFamily family, String host) {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("the host is empty");
        }
        String ipv4 = AddressLiterals.normalizeIpv4(host);
        String ipv6 = AddressLiterals.normalizeIpv6(host);
        if (family == StandardProtocolFamily.INET) {
            if (ipv4 != null) {
                return ipv4;
            }
            if (ipv6 != null) {
                throw new IllegalArgumentException(host + " is an IPv6 address; write it as inet6:PORT@[" + ipv6 + "]");
            }
            if (AddressLiterals.looksLikeIpv4(host)) {
                throw new IllegalArgumentException(host + " is not a valid IPv4 address");
            }
        } else {
            if (ipv6 != null) {
                return ipv6;
            }
            if (ipv4 != null) {
                throw new IllegalArgumentException(host + " is an IPv4 address; write it as inet:PORT@[" + ipv4 + "]");
            }
            if (host.indexOf(':') >= 0 || AddressLiterals.looksLikeIpv4(host)) {
                throw new IllegalArgumentException(host + " is not a valid IPv6 address");
            }
        }
        if (!AddressLiterals.isHostName(host)) {
            throw new IllegalArgumentException("\"" + host + "\" is neither a host name nor an address");
        }
        return host;
    }

    /** True for a normalised address literal (printed in brackets), false for a host name. */
    static boolean isLiteral(String normalizedHost) {
        return normalizedHost.indexOf(':') >= 0 || AddressLiterals.looksLikeIpv4(normalizedHost);
    }
}
