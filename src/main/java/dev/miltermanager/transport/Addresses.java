package dev.miltermanager.transport;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Turns specs into socket addresses: the one to bind to, and the candidates to connect to. */
final class Addresses {
    private static final byte[] IPV4_ANY = new byte[4];
    private static final byte[] IPV6_ANY = new byte[16];
    private static final byte[] IPV4_LOOPBACK = {127, 0, 0, 1};
    private static final byte[] IPV6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    private Addresses() {
    }

    static InetSocketAddress bindAddress(ConnectionSpec.Inet spec) throws UnknownHostException {
        if (spec.host().isEmpty()) {
            byte[] any = spec.family() == StandardProtocolFamily.INET ? IPV4_ANY : IPV6_ANY;
            return new InetSocketAddress(InetAddress.getByAddress(any), spec.port());
        }
        return new InetSocketAddress(resolve(spec).getFirst(), spec.port());
    }

    /**
     * The addresses to try in order when connecting. A spec without a host means this machine, so it is reached on
     * the loopback address of its family.
     */
    static List<SocketAddress> connectTargets(ConnectionSpec spec) throws UnknownHostException {
        return switch (spec) {
            case ConnectionSpec.Unix unix -> List.of(unix.toSocketAddress());
            case ConnectionSpec.Inet inet when inet.host().isEmpty() -> {
                byte[] loopback = inet.family() == StandardProtocolFamily.INET ? IPV4_LOOPBACK : IPV6_LOOPBACK;
                yield List.of(new InetSocketAddress(InetAddress.getByAddress(loopback), inet.port()));
            }
            case ConnectionSpec.Inet inet -> {
                List<SocketAddress> targets = new ArrayList<>();
                for (InetAddress address : resolve(inet)) {
                    targets.add(new InetSocketAddress(address, inet.port()));
                }
                yield targets;
            }
        };
    }

    /** The host's addresses of the spec's family, in resolver order; literals are parsed without DNS. */
    private static List<InetAddress> resolve(ConnectionSpec.Inet spec) throws UnknownHostException {
        String host = spec.host().orElseThrow();
        boolean ipv6 = spec.family() == StandardProtocolFamily.INET6;
        if (HostRule.isLiteral(host)) {
            // an INET6 socket reaches ::ffff:a.b.c.d although the JDK hands it back as an IPv4 address
            return List.of(InetAddress.getByName(ipv6 ? "[" + host + "]" : host));
        }
        List<InetAddress> matching = new ArrayList<>();
        for (InetAddress address : InetAddress.getAllByName(host)) {
            if (ipv6 ? address instanceof Inet6Address : address instanceof Inet4Address) {
                matching.add(address);
            }
        }
        if (matching.isEmpty()) {
            throw new UnknownHostException(host + " has no " + (ipv6 ? "IPv6" : "IPv4") + " address (from " + spec + ")");
        }
        return matching;
    }
}
