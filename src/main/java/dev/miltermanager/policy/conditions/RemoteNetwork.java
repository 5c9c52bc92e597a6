package dev.miltermanager.policy.conditions;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.PolicyContext;
import dev.miltermanager.protocol.Command;
import dev.miltermanager.protocol.Stage;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Remote Network: at CONNECT, applies the child only to clients outside the local network. An address in a
 * configured remote block is remote; otherwise a loopback, private, link-local or unique-local address, a Unix
 * socket client, or an address in a configured local block is local. A client of unknown address is not applied to
 * (as the reference). Acts at CONNECT only.
 */
final class RemoteNetwork implements ApplicabilityPolicy {
    private final List<AddressRange> local;
    private final List<AddressRange> remote;

    RemoteNetwork(List<AddressRange> local, List<AddressRange> remote) {
        this.local = List.copyOf(local);
        this.remote = List.copyOf(remote);
    }

    @Override
    public boolean applies(PolicyContext context) {
        if (context.stage() != Stage.CONNECT || !(context.event() instanceof Command.Connect connect)) {
            return true;
        }
        if (connect.family() == Command.Family.UNIX) {
            return false;
        }
        Optional<InetAddress> address = context.session().clientAddress();
        return address.isPresent() && isRemote(address.get());
    }

    boolean isRemote(InetAddress address) {
        if (remote.stream().anyMatch(r -> r.contains(address))) {
            return true;
        }
        return !(isLocalByNature(address) || local.stream().anyMatch(r -> r.contains(address)));
    }

    /**
     * Loopback, IPv4 private (10/8, 172.16/12, 192.168/16) and link-local (169.254/16), IPv6 link-local (fe80::/10),
     * site-local (fec0::/10) and unique-local (fc00::/7).
     */
    static boolean isLocalByNature(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()) {
            return true;
        }
        return address instanceof Inet6Address && (address.getAddress()[0] & 0xFE) == 0xFC;
    }

    @Override
    public String toString() {
        return "Remote Network[local=" + local + ", remote=" + remote + "]";
    }
}
