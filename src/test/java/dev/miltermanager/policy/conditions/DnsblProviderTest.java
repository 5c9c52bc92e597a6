package dev.miltermanager.policy.conditions;

import static dev.miltermanager.policy.conditions.DnsblTest.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionCatalog;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.InvalidConditionParameterException;
import dev.miltermanager.protocol.Stage;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DNSBL conditions as a configuration creates them: by name, from {@code dnsbl.*} parameters. */
class DnsblProviderTest {

    private static ConditionParameter line(String key, String value, int line) {
        return new ConditionParameter(key, value, "milter-manager.conf:" + line);
    }

    @Test
    void theCatalogCreatesBothConditionsFromTheParametersInFileOrder() throws Exception {
        try (DnsResponder dns = DnsResponder.start()) {
            dns.add("1.2.0.192.bl.test", 60, "127.0.0.2");
            dns.add("2.2.0.192.zen.spamhaus.org", 60, "127.0.0.2");  // a default service, cleared below
            ConditionCatalog catalog = ConditionCatalog.load(List.of(
                    line("dnsbl.clear_services", "true", 1),
                    line("dnsbl.add_service", "bl.test 127.0.0.2, 127.0.0.4/30", 2),
                    line("dnsbl.name_servers", dns.spec(), 3),
                    line("dnsbl.timeout", "2.5", 4)));
            ApplicabilityPolicy listed = catalog.get("DNSBL Listed");
            ApplicabilityPolicy notListed = catalog.get("not dnsbl listed");
            assertTrue(listed.applies(context(Stage.CONNECT, "192.0.2.1")));
            assertFalse(notListed.applies(context(Stage.CONNECT, "192.0.2.1")));
            assertFalse(listed.applies(context(Stage.CONNECT, "192.0.2.2")), "zen.spamhaus.org was cleared");
            assertEquals(List.of("1.2.0.192.bl.test", "2.2.0.192.bl.test"), dns.questions().subList(0, 2));
            assertEquals(1, dns.asked("1.2.0.192.bl.test"), "both conditions share one cache");
            assertTrue(catalog.description("DNSBL Listed").orElseThrow().contains("listed"));
        }
    }

    @Test
    void servicesAddUpAfterTheDefaultsUnlessCleared() {
        Dnsbl dnsbl = Dnsbl.builder().nameServers(List.of(new InetSocketAddress("127.0.0.1", 53)))
                .addService("extra.test  127.0.0.2,127.0.0.8/29").build();
        assertEquals(5, dnsbl.services().size());
        assertEquals("extra.test 127.0.0.2 127.0.0.8/29", dnsbl.services().get(4));
    }

    @Test
    void nameServersAreAddressesOrHostsWithAnOptionalPort() {
        assertEquals(new InetSocketAddress("127.0.0.1", 5353), NameServers.parse("127.0.0.1:5353"));
        assertEquals(new InetSocketAddress("::1", 53), NameServers.parse("[::1]"));
        assertEquals(new InetSocketAddress("::1", 5353), NameServers.parse("[::1]:5353"));
        assertEquals(new InetSocketAddress("2001:db8::53", 53), NameServers.parse("2001:db8::53"));
        assertEquals(new InetSocketAddress("192.0.2.53", 53), NameServers.parse(" 192.0.2.53 "));
        assertThrows(IllegalArgumentException.class, () -> NameServers.parse("[::1"));
        assertThrows(IllegalArgumentException.class, () -> NameServers.parse("127.0.0.1:0"));
        assertThrows(IllegalArgumentException.class, () -> NameServers.parse(":53"));
    }

    @Test
    void badValuesAreRefusedWithTheLineAndWhatWasExpected() {
        assertRefused(line("dnsbl.add_service", "bl.test 127.0.0.300", 3), "milter-manager.conf:3: dnsbl.add_service"
                + " = bl.test 127.0.0.300: expected a zone and optional result codes");
        assertRefused(line("dnsbl.add_service", "bl.test 127.0.0.0/33", 4), "expected a zone and optional result");
        assertRefused(line("dnsbl.add_service", "", 5), "expected a zone");
        assertRefused(line("dnsbl.timeout", "soon", 6), "milter-manager.conf:6: dnsbl.timeout = soon: expected a"
                + " positive number of seconds");
        assertRefused(line("dnsbl.timeout", "0", 7), "expected a positive number of seconds");
        assertRefused(line("dnsbl.name_servers", "127.0.0.1:99999", 8), "expected name servers, HOST[:PORT]");
        assertRefused(line("dnsbl.name_servers", " , ", 9), "expected name servers");
        assertRefused(line("dnsbl.clear_services", "maybe", 10), "expected true or false");
        assertRefused(line("dnsbl.add_blackhole", "bl.test", 11), "milter-manager.conf:11: dnsbl.add_blackhole ="
                + " bl.test: expected one of [dnsbl.add_service, dnsbl.clear_services, dnsbl.name_servers,"
                + " dnsbl.timeout]");
    }

    private static void assertRefused(ConditionParameter line, String message) {
        InvalidConditionParameterException e = assertThrows(InvalidConditionParameterException.class,
                () -> ConditionCatalog.load(List.of(line)));
        assertTrue(e.getMessage().startsWith(message) || e.getMessage().contains(message), e.getMessage());
        assertEquals(line, e.parameter());
    }

    @Test
    void nameServersComeFromResolvConfLines(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("resolv.conf");
        Files.writeString(conf, """
                # generated
                search example.org
                nameserver 192.0.2.53
                nameserver   fe80::1%eth0
                nameserver not-an-address
                options edns0
                """);
        assertEquals(List.of(new InetSocketAddress("192.0.2.53", 53), new InetSocketAddress("fe80::1", 53)),
                NameServers.fromResolvConf(conf));
        assertEquals(List.of(), NameServers.fromResolvConf(dir.resolve("missing")));
    }
}
