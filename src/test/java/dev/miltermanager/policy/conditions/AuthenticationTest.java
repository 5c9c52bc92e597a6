package dev.miltermanager.policy.conditions;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.protocol.Command;
import org.junit.jupiter.api.Test;

/** Authenticated / Unauthenticated: decided at MAIL from {auth_type} or {auth_authen}. */
class AuthenticationTest {
    private static final ApplicabilityPolicy AUTHENTICATED = Conditions.authenticated();
    private static final ApplicabilityPolicy UNAUTHENTICATED = Conditions.unauthenticated();

    @Test
    void eitherMacroMarksAnAuthenticatedClient() {
        for (String macro : new String[] {"{auth_type}", "{auth_authen}"}) {
            Probe probe = new Probe().macro(macro, "PLAIN");
            assertTrue(probe.ask(AUTHENTICATED, Probe.mail("<a@example.org>")), macro);
            assertFalse(probe.ask(UNAUTHENTICATED, Probe.mail("<a@example.org>")), macro);
        }
    }

    @Test
    void noMacroOrAnEmptyOneIsAnUnauthenticatedClient() {
        for (Probe probe : new Probe[] {new Probe(), new Probe().macro("{auth_type}", "")}) {
            assertFalse(probe.ask(AUTHENTICATED, Probe.mail("<a@example.org>")));
            assertTrue(probe.ask(UNAUTHENTICATED, Probe.mail("<a@example.org>")));
        }
    }

    @Test
    void theyActAtMailOnly() {
        Probe probe = new Probe();
        assertTrue(probe.ask(AUTHENTICATED, Probe.inet("mail.example.com", "192.0.2.1")));
        assertTrue(probe.ask(AUTHENTICATED, new Command.Helo("mail.example.com")));
        assertTrue(probe.ask(AUTHENTICATED, Probe.rcpt("<b@example.net>")));
        probe.macro("{auth_authen}", "alice");
        assertTrue(probe.ask(UNAUTHENTICATED, new Command.Data()));
    }
}
