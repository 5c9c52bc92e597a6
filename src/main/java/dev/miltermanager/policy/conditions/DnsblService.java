package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.InvalidConditionParameterException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One DNSBL zone and the answers that mean "listed" in it.
 *
 * @param zone the zone the reversed address is prepended to ({@code zen.spamhaus.org})
 * @param codes the listing answers; empty means any answer in 127.0.0.0/8
 */
record DnsblService(String zone, List<AddressRange> codes) {
    /** What a service without codes accepts: any answer in 127.0.0.0/8, where DNSBLs answer. */
    static final AddressRange ANY_LISTING = code("127.0.0.0/8");
    private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)+\\.?");

    DnsblService {
        if (!ZONE.matcher(zone).matches() || zone.length() > 200) {
            throw new IllegalArgumentException("not a DNS zone name: " + zone);
        }
        zone = zone.toLowerCase(Locale.ROOT);
        zone = zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
        codes = List.copyOf(codes);
    }

    /**
     * Parses {@code ZONE [CODE...]}, codes separated by spaces or commas.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static DnsblService parse(String text) {
        String[] words = text.trim().split("[\\s,]+");
        if (words.length == 0 || words[0].isEmpty()) {
            throw new IllegalArgumentException("no zone");
        }
        List<AddressRange> codes = java.util.Arrays.stream(words).skip(1).map(DnsblService::code).toList();
        return new DnsblService(words[0], codes);
    }

    /**
     * A result code: an address ({@code 127.0.0.2}) or a CIDR range ({@code 127.0.0.10/31}).
     *
     * @throws InvalidConditionParameterException naming the code and what was expected
     */
    static AddressRange code(String text) {
        return AddressRange.parse(ConditionParameter.of("dnsbl.add_service", text));
    }

    /** The name to look up for {@code client}: its reversed octets, or for IPv6 its reversed nibbles, then the zone. */
    String queryName(InetAddress client) {
        byte[] bytes = client.getAddress();
        StringBuilder name = new StringBuilder(80);
        for (int i = bytes.length - 1; i >= 0; i--) {
            int b = bytes[i] & 0xFF;
            if (client instanceof Inet4Address) {
                name.append(b).append('.');
            } else {
                name.append(Character.forDigit(b & 0x0F, 16)).append('.')
                        .append(Character.forDigit(b >> 4, 16)).append('.');
            }
        }
        return name.append(zone).toString();
    }

    /** The first answer that means "listed", if any. */
    Optional<InetAddress> listing(List<InetAddress> answers) {
        List<AddressRange> accepted = codes.isEmpty() ? List.of(ANY_LISTING) : codes;
        return answers.stream().filter(a -> accepted.stream().anyMatch(c -> c.contains(a))).findFirst();
    }

    @Override
    public String toString() {
        return codes.isEmpty() ? zone : zone + " " + String.join(" ", codes.stream().map(AddressRange::toString).toList());
    }
}
