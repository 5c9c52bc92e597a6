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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** S25R: the reference's rules, white list and options, decided at CONNECT. */
class S25rTest {

    private static boolean appliesTo(ApplicabilityPolicy s25r, String host, String address) {
        return new Probe().ask(s25r, inet(host, address));
    }

    private static ApplicabilityPolicy s25r(String... keysAndValues) {
        List<ConditionParameter> lines = new java.util.ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            lines.add(new ConditionParameter(keysAndValues[i], keysAndValues[i + 1], "test.conf:" + (i / 2 + 1)));
        }
        return ConditionCatalog.load(lines).get("S25R");
    }

    /** One host per rule of the black list, in the rules' order; each looks like a dynamic end-user address. */
    @ParameterizedTest
    @ValueSource(strings = {
        "unknown",                                  // no reverse name at all
        "[192.0.2.1]",                              // the MTA's form when the PTR lookup failed
        "p1234-ipbf01funabasi.chiba.ocn.ne.jp",     // rule 1: digits, non-digits, digits in the first label
        "ntkngw123045.kngw.nt.ftth.ppp.infoweb.ne.jp", // rule 2: five digits in a row in the first label
        "61.58.0.192.dsl.example.net",              // rule 3: a label starting with a digit, three more levels
        "wbs146.2-3.example.com",                   // rule 4: digit-ending label, then digit-dash-digit
        "c1.b2.example.co.jp",                      // rule 5: two digit-ending labels, then two more levels
        "dhcp-123.example.com",                     // rule 6: a dial-up/DSL prefix with a digit
        "ADSL42.example.org",                       // rule 6 ignores case
    })
    void theRulesFindDynamicLookingHosts(String host) {
        assertTrue(appliesTo(Conditions.s25r(), host, "192.0.2.1"), host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mail.example.com", "mx1.example.co.jp", "smtp.example.ne.jp",
        "p1234-ipbf.example.ne.jp", "www2.example.com"})
    void wellNamedHostsAreNotSuspicious(String host) {
        assertFalse(appliesTo(Conditions.s25r(), host, "192.0.2.1"), host);
    }

    @Test
    void theDefaultWhiteListWinsOverTheRules() {
        ApplicabilityPolicy s25r = Conditions.s25r();
        S25r rules = new S25r(List.of(), S25r.RULES.stream().map(r -> TextPattern.parse("k", r, true)).toList(),
                true);
        for (String host : List.of("mail-ot1-f44.google.com", "a8-31.smtp-out.amazonses.com", "o12345.sendgrid.net")) {
            assertTrue(rules.suspicious(host), host + " matches a rule");
            assertFalse(appliesTo(s25r, host, "192.0.2.1"), host + " is white-listed");
        }
    }

    @Test
    void addedWhiteAndBlackEntriesAreRegexesOrExactNamesAndWhiteWins() {
        ApplicabilityPolicy s25r = s25r(
                "s25r.add_whitelist", "/\\.example\\.net\\z/",
                "s25r.add_whitelist", "dhcp-7.example.org",
                "s25r.add_blacklist", "/\\Amail\\./i",
                "s25r.add_blacklist", "relay.example.com");
        assertFalse(appliesTo(s25r, "dhcp-123.example.net", "192.0.2.1"));
        assertFalse(appliesTo(s25r, "DHCP-7.example.org", "192.0.2.1"));
        assertTrue(appliesTo(s25r, "dhcp-8.example.org", "192.0.2.1"));
        assertTrue(appliesTo(s25r, "Mail.example.com", "192.0.2.1"));
        assertTrue(appliesTo(s25r, "relay.example.com", "192.0.2.1"));
        assertFalse(appliesTo(s25r, "relay.example.com.example", "192.0.2.1"), "an exact name is compared whole");
        assertFalse(appliesTo(s25r, "mail.example.net", "192.0.2.1"), "white wins over black");
    }

    @Test
    void onlyIpv4ClientsAreJudgedUnlessIpv6IsEnabled() {
        Command.Connect v6 = inet("dhcp-123.example.com", "2001:db8::1");
        Command.Connect unix = new Command.Connect("localhost", Command.Family.UNIX, 0, "/run/smtp.sock");
        assertFalse(new Probe().ask(Conditions.s25r(), v6));
        assertFalse(new Probe().ask(Conditions.s25r(), unix));
        ApplicabilityPolicy both = s25r("s25r.check_only_ipv4", "false");
        assertTrue(new Probe().ask(both, v6));
        assertFalse(new Probe().ask(both, inet("mail.example.com", "2001:db8::1")));
        assertTrue(new Probe().ask(both, inet("[2001:db8::1]", "2001:db8::1")));
    }

    @Test
    void itDecidesAtConnectOnlyAndAppliesAtEveryLaterEvent() {
        Probe probe = new Probe();
        ApplicabilityPolicy s25r = Conditions.s25r();
        assertFalse(probe.ask(s25r, inet("mail.example.com", "192.0.2.1")));
        assertTrue(probe.ask(s25r, new Command.Helo("dhcp-1.example.com")));
        assertTrue(probe.ask(s25r, Probe.mail("<a@example.org>")));
        assertTrue(probe.ask(s25r, new Command.Data()));
        assertEquals(List.of(), List.copyOf(probe.set.keySet()));
    }

    @Test
    void badParametersNameTheirOrigin() {
        var regex = assertThrows(InvalidConditionParameterException.class,
                () -> s25r("s25r.add_whitelist", "/(unclosed/"));
        assertTrue(regex.getMessage().startsWith("test.conf:1: s25r.add_whitelist = /(unclosed/: expected a valid "
                + "regular expression"), regex.getMessage());
        var bool = assertThrows(InvalidConditionParameterException.class,
                () -> s25r("s25r.add_blacklist", "x", "s25r.check_only_ipv4", "maybe"));
        assertEquals("test.conf:2: s25r.check_only_ipv4 = maybe: expected true or false", bool.getMessage());
        var key = assertThrows(InvalidConditionParameterException.class, () -> s25r("s25r.whitelist", "x"));
        assertTrue(key.getMessage().startsWith("test.conf:1: s25r.whitelist = x: expected one of [s25r.add_blacklist"),
                key.getMessage());
    }
}
