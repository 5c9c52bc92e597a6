package dev.miltermanager.transport;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Recognises and normalises the host part of an {@code inet:}/{@code inet6:} spec: IPv4 and IPv6 address
 * literals (printed in one canonical form so that equal addresses give equal specs) and host names (kept as
 * given). Nothing here touches DNS.
 */
final class AddressLiterals {
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?");
    private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]+");
    private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");
    private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9._-]+");
    private static final int MAX_HOST_NAME_LENGTH = 253;

    private AddressLiterals() {
    }

    /** The dotted-quad form of an IPv4 literal (decimal, no leading zeros), or {@code null} if it is not one. */
    static String normalizeIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        StringBuilder out = new StringBuilder(15);
        for (String part : parts) {
            // leading zeros are refused: some resolvers read them as octal, others as decimal
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')
                    || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                return null;
            }
            out.append(out.isEmpty() ? "" : ".").append(value);
        }
        return out.toString();
    }

    /**
     * The RFC 5952 form of an IPv6 literal (lower case, longest zero run as {@code ::}, an optional
     * {@code %zone} kept), or {@code null} if it is not one.
     */
    static String normalizeIpv6(String text) {
        String zone = "";
        int percent = text.indexOf('%');
        if (percent >= 0) {
            zone = text.substring(percent);
            text = text.substring(0, percent);
            if (!ZONE.matcher(zone.substring(1)).matches()) {
                return null;
            }
        }
        if (text.indexOf(':') < 0 || !IPV6_CHARACTERS.matcher(text).matches()) {
            return null;
        }
        InetAddress address;
        try {
            // bracketed and starting with a hex digit or ':' the JDK parses it as a literal, never via DNS
            address = InetAddress.getByName("[" + text + "]");
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
        if (address instanceof Inet4Address mapped) {
            // the JDK turns ::ffff:a.b.c.d into an IPv4 address; print it the way RFC 5952 asks
            return "::ffff:" + mapped.getHostAddress() + zone;
        }
        return formatIpv6(address.getAddress()) + zone;
    }

    /** True if the text is shaped like an IPv4 literal (digits and dots only), valid or not. */
    static boolean looksLikeIpv4(String text) {
        return DIGITS_AND_DOTS.matcher(text).matches();
    }

    /** True if the text is a syntactically acceptable host name. */
    static boolean isHostName(String text) {
        return text.length() <= MAX_HOST_NAME_LENGTH && HOST_NAME.matcher(text).matches();
    }

    private static String formatIpv6(byte[] bytes) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xFF) << 8) | (bytes[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!out.isEmpty() && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}
