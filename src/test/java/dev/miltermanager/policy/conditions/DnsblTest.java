package dev.miltermanager.policy.conditions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.PolicyContext;
import dev.miltermanager.policy.SessionView;
import dev.miltermanager.protocol.Stage;
import dev.miltermanager.testsupport.ManualClock;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DNSBL lookups against a DNS responder on loopback: codes, caching by TTL, failures, several services, IPv6. */
class DnsblTest {
    private static final InetAddress CLIENT = NameServers.literal("192.0.2.1");
    private static final String CLIENT_IN_BL = "1.2.0.192.bl.test";

    private DnsResponder dns;

    @BeforeEach
    void startDns() throws Exception {
        dns = DnsResponder.start();
    }

    @AfterEach
    void stopDns() throws Exception {
        dns.close();
    }

    private Dnsbl.Builder builder() {
        return Dnsbl.builder().clearServices().nameServers(List.of(dns.address())).timeout(Duration.ofSeconds(5));
    }

    @Test
    void anAnswerWithAListingCodeListsTheClientUnderItsReversedAddress() {
        dns.add(CLIENT_IN_BL, 60, "127.0.0.2");
        Dnsbl dnsbl = builder().addService("bl.test", "127.0.0.2").build();
        assertEquals(Optional.of(new Dnsbl.Listing("bl.test", NameServers.literal("127.0.0.2"))), dnsbl.lookup(CLIENT));
        assertEquals(List.of(CLIENT_IN_BL), dns.questions());
    }

    @Test
    void anAnswerOutsideTheServiceCodesDoesNotList() {
        Dnsbl dnsbl = builder().addService("bl.test", "127.0.0.10/31").build();
        dns.add(CLIENT_IN_BL, 0, "127.0.0.2");
        assertEquals(Optional.empty(), dnsbl.lookup(CLIENT));
        dns.add(CLIENT_IN_BL, 0, "127.0.0.9");
        assertEquals(Optional.empty(), dnsbl.lookup(CLIENT));
        dns.add(CLIENT_IN_BL, 0, "127.0.0.11");
        assertEquals("127.0.0.11", dnsbl.lookup(CLIENT).orElseThrow().answer().getHostAddress());
        dns.add(CLIENT_IN_BL, 0, "127.0.0.4", "127.0.0.10");  // one matching answer among several suffices
        assertEquals("127.0.0.10", dnsbl.lookup(CLIENT).orElseThrow().answer().getHostAddress());
    }

    @Test
    void aServiceWithoutCodesListsOnAnyLoopbackRangeAnswer() {
        Dnsbl dnsbl = builder().addService("bl.test").build();
        dns.add(CLIENT_IN_BL, 0, "127.0.0.5");
        assertTrue(dnsbl.lookup(CLIENT).isPresent());
        dns.add(CLIENT_IN_BL, 0, "10.0.0.1");  // an answer outside 127/8 is not a listing
        assertFalse(dnsbl.lookup(CLIENT).isPresent());
    }

    @Test
    void noSuchNameIsNotListed() {
        Dnsbl dnsbl = builder().addService("bl.test").build();
        assertEquals(Optional.empty(), dnsbl.lookup(CLIENT));
        assertEquals(1, dns.asked(CLIENT_IN_BL));
    }

    @Test
    void answersAreCachedForTheirTtlAndAskedAgainAfter() {
        ManualClock clock = ManualClock.start();
        dns.add(CLIENT_IN_BL, 60, "127.0.0.2");
        Dnsbl dnsbl = builder().addService("bl.test").clock(clock).build();
        assertTrue(dnsbl.lookup(CLIENT).isPresent());
        clock.advance(Duration.ofSeconds(59));
        dns.remove(CLIENT_IN_BL);
        assertTrue(dnsbl.lookup(CLIENT).isPresent(), "still cached");
        assertEquals(1, dns.asked(CLIENT_IN_BL));
        clock.advance(Duration.ofSeconds(1));
        assertFalse(dnsbl.lookup(CLIENT).isPresent(), "expired, asked again: delisted");
        assertEquals(2, dns.asked(CLIENT_IN_BL));
    }

    @Test
    void negativeAnswersAreCachedForTheZoneNegativeTtl() {
        ManualClock clock = ManualClock.start();
        Dnsbl dnsbl = builder().addService("bl.test").clock(clock).build();
        assertFalse(dnsbl.lookup(CLIENT).isPresent());
        dns.add(CLIENT_IN_BL, 60, "127.0.0.2");
        clock.advance(Duration.ofSeconds(DnsResponder.NEGATIVE_TTL - 1));
        assertFalse(dnsbl.lookup(CLIENT).isPresent(), "the negative answer is still cached");
        clock.advance(Duration.ofSeconds(1));
        assertTrue(dnsbl.lookup(CLIENT).isPresent(), "listed once the negative answer expired");
        assertEquals(2, dns.asked(CLIENT_IN_BL));
    }

    @Test
    void theCacheKeepsAtMostItsSizeDroppingTheLeastRecentlyUsed() {
        dns.add(CLIENT_IN_BL, 600, "127.0.0.2");
        Dnsbl dnsbl = builder().addService("bl.test").cacheEntries(2).build();
        InetAddress second = NameServers.literal("192.0.2.2");
        InetAddress third = NameServers.literal("192.0.2.3");
        dnsbl.lookup(CLIENT);
        dnsbl.lookup(second);
        dnsbl.lookup(CLIENT);  // CLIENT used last: second is the eldest
        dnsbl.lookup(third);  // evicts second
        dnsbl.lookup(CLIENT);
        dnsbl.lookup(second);
        assertEquals(1, dns.asked(CLIENT_IN_BL));
        assertEquals(2, dns.asked("2.2.0.192.bl.test"));
    }

    @Test
    void aSilentServerCountsAsNotListedAfterTheTimeout() {
        dns.add(CLIENT_IN_BL, 60, "127.0.0.2");
        dns.silent(true);
        Dnsbl dnsbl = builder().addService("bl.test").timeout(Duration.ofMillis(400)).build();
        assertEquals(Optional.empty(), dnsbl.lookup(CLIENT));
        assertTrue(dns.asked(CLIENT_IN_BL) >= 1);
    }

    @Test
    void aFailingServerCountsAsNotListedAndIsNotCached() {
        dns.add(CLIENT_IN_BL, 60, "127.0.0.2");
        dns.failWith(2);
        Dnsbl dnsbl = builder().addService("bl.test").build();
        assertEquals(Optional.empty(), dnsbl.lookup(CLIENT));
        dns.failWith(0);
        assertTrue(dnsbl.lookup(CLIENT).isPresent());
    }

    @Test
    void theNextNameServerIsAskedWhenOneFailsOrIsSilent() throws Exception {
        dns.add(CLIENT_IN_BL, 60, "127.0.0.2");
        try (DnsResponder failing = DnsResponder.start(); DnsResponder silent = DnsResponder.start()) {
            failing.failWith(5);
            silent.silent(true);
            Dnsbl dnsbl = Dnsbl.builder().clearServices().addService("bl.test").timeout(Duration.ofSeconds(5))
                    .nameServers(List.of(failing.address(), silent.address(), dns.address())).build();
            assertTrue(dnsbl.lookup(CLIENT).isPresent());
            assertEquals(1, failing.asked(CLIENT_IN_BL));
            assertEquals(1, silent.asked(CLIENT_IN_BL));
        }
    }

    @Test
    void everyServiceIsAskedAndAnyListingCounts() {
        dns.add("1.2.0.192.second.test", 60, "127.0.0.3");
        Dnsbl dnsbl = builder().addService("first.test").addService("second.test", "127.0.0.3")
                .addService("third.test").build();
        assertEquals("second.test", dnsbl.lookup(CLIENT).orElseThrow().zone());
        assertEquals(1, dns.asked("1.2.0.192.second.test"));
    }

    @Test
    void aListingIsReturnedWithoutWaitingForASilentService() {
        dns.add("1.2.0.192.answering.test", 60, "127.0.0.2");
        dns.ignore("silent.test");
        Dnsbl dnsbl = builder().timeout(Duration.ofMinutes(1)).addService("silent.test").addService("answering.test")
                .build();
        long start = System.nanoTime();
        assertEquals("answering.test", dnsbl.lookup(CLIENT).orElseThrow().zone());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(30)) < 0,
                "returned long before the silent service's one-minute timeout");
        assertEquals(1, dns.asked("1.2.0.192.silent.test"));
    }

    @Test
    void ipv6ClientsAreAskedInReverseNibbleForm() {
        String name = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test";
        dns.add(name, 60, "127.0.0.2");
        Dnsbl dnsbl = builder().addService("bl.test").build();
        assertTrue(dnsbl.lookup(NameServers.literal("2001:db8::1")).isPresent());
        assertEquals(List.of(name), dns.questions());
    }

    @Test
    void theConditionsDecideAtConnectAndAllowEveryLaterEvent() {
        dns.add(CLIENT_IN_BL, 60, "127.0.0.2");
        Dnsbl dnsbl = builder().addService("bl.test").build();
        ApplicabilityPolicy listed = dnsbl.listed();
        ApplicabilityPolicy notListed = dnsbl.notListed();
        assertTrue(listed.applies(context(Stage.CONNECT, "192.0.2.1")));
        assertFalse(notListed.applies(context(Stage.CONNECT, "192.0.2.1")));
        assertFalse(listed.applies(context(Stage.CONNECT, "192.0.2.9")));
        assertTrue(notListed.applies(context(Stage.CONNECT, "192.0.2.9")));
        assertFalse(listed.applies(context(Stage.CONNECT, null)), "a client without address is not listed");
        assertTrue(notListed.applies(context(Stage.CONNECT, null)));
        for (Stage later : List.of(Stage.HELO, Stage.MAIL, Stage.RCPT, Stage.EOM)) {
            assertTrue(listed.applies(context(later, "192.0.2.9")));
            assertTrue(notListed.applies(context(later, "192.0.2.1")));
        }
    }

    static PolicyContext context(Stage stage, String address) {
        PolicyContext context = mock(PolicyContext.class);
        SessionView session = mock(SessionView.class);
        when(context.stage()).thenReturn(stage);
        when(context.session()).thenReturn(session);
        when(session.clientAddress()).thenReturn(Optional.ofNullable(address).map(NameServers::literal));
        return context;
    }

    @Test
    void theDefaultsAreTheReferenceServices() {
        Dnsbl dnsbl = Dnsbl.builder().nameServers(List.of(dns.address())).build();
        assertEquals(List.of("zen.spamhaus.org 127.0.0.10/31", "dnsbl.sorbs.net 127.0.0.10", "bl.spamcop.net 127.0.0.2",
                "b.barracudacentral.org 127.0.0.2"), dnsbl.services());
    }
}
