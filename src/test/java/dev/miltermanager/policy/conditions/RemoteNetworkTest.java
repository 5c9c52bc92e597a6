package dev.miltermanager.policy.conditions;

import static dev.miltermanager.policy.conditions.Probe.inet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionCatalog;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.InvalidConditionParameterException;
import dev.miltermanager.protocol.Command;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Remote Network: local clients (by nature or by list) are not applied to, remote ones are; decided at CONNECT. */
class RemoteNetworkTest {
    private static final ApplicabilityPolicy DEFAULT = Conditions.remoteNetwork(List.of(), List.of());

    private static boolean applies(ApplicabilityPolicy policy, String address) {
        return new Probe().ask(policy, inet("host.example", address));
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.7.7",
        "::1", "fe80::1", "fd12:3456::1", "fc00::1", "::ffff:192.168.1.1"})
    void localAddressesAreNotAppliedTo(String address) {
        assertFalse(applies(DEFAULT, address), address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"192.0.2.1", "172.32.0.1", "8.8.8.8", "2001:db8::1", "fbff::1"})
    void remoteAddressesAreAppliedTo(String address) {
        assertTrue(applies(DEFAULT, address), address);
    }

    @Test
    void unixAndUnknownClientsAreNotAppliedTo() {
        assertFalse(new Probe().ask(DEFAULT, new Command.Connect("localhost", Command.Family.UNIX, 0, "/run/s.sock")));
        assertFalse(new Probe().ask(DEFAULT, Command.Connect.unknown("[unknown]")));
    }

    @Test
    void customLocalBlocksAddToTheLocalNetworkAndCustomRemoteBlocksWin() {
        ApplicabilityPolicy custom = Conditions.remoteNetwork(List.of("160.29.167.0/24", "2001:db8:1::/48"),
                List.of("192.168.100.0/24", "10.0.0.5"));
        assertFalse(applies(custom, "160.29.167.10"));
        assertTrue(applies(custom, "160.29.168.10"));
        assertFalse(applies(custom, "2001:db8:1:ffff::1"));
        assertTrue(applies(custom, "2001:db8:2::1"));
        assertTrue(applies(custom, "192.168.100.7"), "a remote block wins over a private address");
        assertFalse(applies(custom, "192.168.101.7"));
        assertTrue(applies(custom, "10.0.0.5"));
        assertFalse(applies(custom, "10.0.0.6"));
    }

    @Test
    void itAppliesAtEveryEventButConnect() {
        Probe probe = new Probe();
        assertFalse(probe.ask(DEFAULT, inet("localhost", "127.0.0.1")));
        assertTrue(probe.ask(DEFAULT, new Command.Helo("localhost")));
        assertTrue(probe.ask(DEFAULT, Probe.mail("<a@example.org>")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"mail.example.com", "192.0.2.0/33", "2001:db8::/129", "192.0.2/24", "192.0.2.0/x", "", "1.2.3.4.5",
        "127.0.0.300", "2001:db8:::1", "::ffff:1.2.3.999"})
    void badAddressesNameTheirOrigin(String value) {
        var e = assertThrows(InvalidConditionParameterException.class, () -> ConditionCatalog.load(
                List.of(new ConditionParameter("remote_network.add_local_address", value, "mm.conf:7"))));
        assertTrue(e.getMessage().startsWith("mm.conf:7: remote_network.add_local_address = " + value
                + ": expected an IPv4 or IPv6 address"), e.getMessage());
    }

    @Test
    void aHostBitSetInABlockIsMasked() {
        assertEquals(AddressRange.parse(ConditionParameter.of("k", "192.0.2.0/24")),
                AddressRange.parse(ConditionParameter.of("k", "192.0.2.77/24")));
    }
}
