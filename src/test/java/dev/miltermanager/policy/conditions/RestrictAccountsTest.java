package dev.miltermanager.policy.conditions;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.protocol.Command;
import org.junit.jupiter.api.Test;

/** Restrict Accounts: unlisted recipients hidden at RCPT; the message stopped at DATA if it had any. */
class RestrictAccountsTest {
    private static final ApplicabilityPolicy RESTRICT = Conditions.restrictAccounts("alice@example.com",
            "/\\A[^@]+@sales\\.example\\.com\\z/i");

    @Test
    void listedRecipientsAreAppliedToAndOthersHidden() {
        Probe probe = new Probe();
        probe.ask(RESTRICT, Probe.mail("<x@example.org>"));
        assertTrue(probe.ask(RESTRICT, Probe.rcpt("<alice@example.com>")));
        assertTrue(probe.ask(RESTRICT, Probe.rcpt("<ALICE@Example.COM>")));
        assertTrue(probe.ask(RESTRICT, Probe.rcpt("<bob@Sales.example.com>")));
        assertTrue(probe.ask(RESTRICT, Probe.rcpt("carol@sales.example.com")));
        assertFalse(probe.ask(RESTRICT, Probe.rcpt("<bob@example.com>")));
        assertFalse(probe.ask(RESTRICT, Probe.rcpt("<alice@example.com.evil>")));
    }

    @Test
    void aMessageWithOnlyListedRecipientsGoesOnAtData() {
        Probe probe = new Probe();
        probe.ask(RESTRICT, Probe.mail("<x@example.org>"));
        probe.ask(RESTRICT, Probe.rcpt("<alice@example.com>"));
        probe.ask(RESTRICT, Probe.rcpt("<dave@sales.example.com>"));
        assertTrue(probe.ask(RESTRICT, new Command.Data()));
        assertTrue(probe.ask(RESTRICT, new Command.Header("Subject", "hi")));
    }

    @Test
    void aMessageWithAnyUnlistedRecipientIsStoppedAtDataAndTheNextMessageIsJudgedAfresh() {
        Probe probe = new Probe();
        probe.ask(RESTRICT, Probe.mail("<x@example.org>"));
        probe.ask(RESTRICT, Probe.rcpt("<alice@example.com>"));
        probe.ask(RESTRICT, Probe.rcpt("<bob@example.com>"));
        assertFalse(probe.ask(RESTRICT, new Command.Data()));
        probe.ask(RESTRICT, Probe.mail("<x@example.org>"));
        probe.ask(RESTRICT, Probe.rcpt("<alice@example.com>"));
        assertTrue(probe.ask(RESTRICT, new Command.Data()));
    }

    @Test
    void withoutAccountsNoMessageIsAppliedTo() {
        ApplicabilityPolicy none = Conditions.restrictAccounts();
        Probe probe = new Probe();
        probe.ask(none, Probe.mail("<x@example.org>"));
        assertFalse(probe.ask(none, Probe.rcpt("<alice@example.com>")));
        assertFalse(probe.ask(none, new Command.Data()));
    }
}
