package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.InvalidConditionParameterException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A block of IPv4 or IPv6 addresses written as {@code ADDRESS} or {@code ADDRESS/PREFIX} ({@code 192.0.2.0/24},
 * {@code 2001:db8::/32}). An IPv4 block never holds an IPv6 address and the other way round.
 */
record AddressRange(byte[] network, int prefix, String written) {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*");

    /** Parses a parameter's value; only literal addresses, never a host name (no DNS lookup). */
    static AddressRange parse(ConditionParameter p) {
        String v = p.value();
        int slash = v.indexOf('/');
        String address = slash < 0 ? v : v.substring(0, slash);
        String expected = "an IPv4 or IPv6 address, optionally with /PREFIX (192.0.2.0/24, 2001:db8::/32)";
        if (!(IPV4.matcher(address).matches() || IPV6.matcher(address).matches())) {
            throw new InvalidConditionParameterException(p, expected);
        }
        byte[] bytes = literal(address);
        if (bytes == null) {
            throw new InvalidConditionParameterException(p, expected);
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(v.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) {
                throw new InvalidConditionParameterException(p, expected + ", the prefix from 0 to " + bits);
            }
        }
        return new AddressRange(mask(bytes, prefix), prefix, v);
    }

    /**
     * The bytes of an IPv4 literal (each part 0 to 255) or an IPv6 one, or null. IPv4 is read here because the JDK
     * looks up a dotted quad with a part above 255 ({@code 127.0.0.300}) as a host name; brackets keep it from doing
     * so for IPv6.
     */
    private static byte[] literal(String address) {
        if (IPV4.matcher(address).matches()) {
            String[] parts = address.split("\\.");
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int part = Integer.parseInt(parts[i]);
                if (part > 255) {
                    return null;
                }
                bytes[i] = (byte) part;
            }
            return bytes;
        }
        try {
            return InetAddress.getByName("[" + address + "]").getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == network.length && Arrays.equals(mask(bytes, prefix), network);
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] masked = bytes.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.clamp(prefix - i * 8L, 0, 8);
            masked[i] &= (byte) (0xFF00 >> keep);
        }
        return masked;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AddressRange r && r.prefix == prefix && Arrays.equals(r.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        return written;
    }
}
