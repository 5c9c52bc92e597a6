package dev.miltermanager.policy.conditions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Sendmail Compatible: {if_addr}/{if_name} at CONNECT and i at MAIL for Postfix sessions only. */
class SendmailCompatibleTest {
    private final List<String> lookups = new CopyOnWriteArrayList<>();
    private final SendmailCompatible compatible = new SendmailCompatible(address -> {
        lookups.add(address);
        return address.equals("192.0.2.25") ? "mx.example.net" : address;
    });

    private static Probe postfix() {
        return new Probe().macro("v", "Postfix 3.7.11").macro("j", "mx.example.net")
                .macro("{daemon_addr}", "192.0.2.25").macro("{daemon_port}", "25");
    }

    @Test
    void atConnectThePostfixDaemonAddressBecomesIfAddrAndItsNameIfName() {
        Probe probe = postfix();
        assertTrue(probe.ask(compatible, Probe.inet("client.example.org", "198.51.100.7")));
        assertEquals(Map.of("{if_addr}", "192.0.2.25", "{if_name}", "mx.example.net"), probe.set);
    }

    @Test
    void theReverseLookupIsCached() {
        postfix().ask(compatible, Probe.inet("a.example.org", "198.51.100.7"));
        postfix().ask(compatible, Probe.inet("b.example.org", "198.51.100.8"));
        assertEquals(List.of("192.0.2.25"), lookups);
    }

    @Test
    void atMailAMissingQueueIdBecomesTheReferencesDummyAndAGivenOneIsKept() {
        Probe probe = postfix();
        assertTrue(probe.ask(compatible, Probe.mail("<a@example.org>")));
        assertEquals(Map.of("i", "dummy-id"), probe.set);
        Probe withId = postfix().macro("i", "4XyZ1234");
        withId.ask(compatible, Probe.mail("<a@example.org>"));
        assertEquals(Map.of(), withId.set);
    }

    @Test
    void macrosTheMtaSentAreNotReplaced() {
        Probe probe = postfix().macro("{if_addr}", "203.0.113.1").macro("{if_name}", "in.example.net");
        probe.ask(compatible, Probe.inet("client.example.org", "198.51.100.7"));
        assertEquals(Map.of(), probe.set);
    }

    @Test
    void withoutDaemonAddrNothingIsInvented() {
        Probe probe = new Probe().macro("v", "Postfix 3.1.0");
        probe.ask(compatible, Probe.inet("client.example.org", "198.51.100.7"));
        assertEquals(Map.of(), probe.set);
    }

    @Test
    void sendmailSessionsAreLeftAlone() {
        Probe probe = new Probe().macro("v", "8.17.1").macro("{daemon_addr}", "192.0.2.25");
        assertTrue(probe.ask(compatible, Probe.inet("client.example.org", "198.51.100.7")));
        assertTrue(probe.ask(compatible, Probe.mail("<a@example.org>")));
        assertEquals(Map.of(), probe.set);
        assertEquals(List.of(), lookups);
    }
}
