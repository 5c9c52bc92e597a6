package dev.miltermanager.policy.conditions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.miltermanager.policy.ApplicabilityPolicy;
import dev.miltermanager.policy.ConditionCatalog;
import dev.miltermanager.policy.ConditionParameter;
import dev.miltermanager.policy.InvalidConditionParameterException;
import dev.miltermanager.protocol.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trust: {trusted_domain}=yes at MAIL for trusted sender domains; never stops. */
class TrustTest {
    @TempDir
    Path dir;

    private static Map<String, String> macrosAtMail(ApplicabilityPolicy trust, String sender) {
        Probe probe = new Probe();
        assertTrue(probe.ask(trust, Probe.mail(sender)), "Trust never stops");
        return probe.set;
    }

    private static ApplicabilityPolicy trust(String... keysAndValues) {
        List<ConditionParameter> lines = new ArrayList<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            lines.add(new ConditionParameter(keysAndValues[i], keysAndValues[i + 1], "mm.conf:" + (i / 2 + 1)));
        }
        return ConditionCatalog.load(lines).get("Trust");
    }

    @Test
    void theDefaultDomainsAreTrustedIgnoringCase() {
        ApplicabilityPolicy trust = Conditions.trust();
        assertEquals(Map.of("{trusted_domain}", "yes"), macrosAtMail(trust, "<alice@gmail.com>"));
        assertEquals(Map.of("{trusted_domain}", "yes"), macrosAtMail(trust, "<Bob@Yahoo.CO.JP>"));
        assertEquals(Map.of("{trusted_domain}", "yes"), macrosAtMail(trust, "carol@docomo.ne.jp"));
        assertEquals(Map.of(), macrosAtMail(trust, "<mallory@gmail.com.example>"));
        assertEquals(Map.of(), macrosAtMail(trust, "<>"));
        assertEquals(Map.of(), macrosAtMail(trust, "<postmaster>"));
    }

    @Test
    void domainsAndRegexesAreAddedInOrderAndClearForgetsTheEarlierOnes() {
        ApplicabilityPolicy trust = trust(
                "trust.add_envelope_from_domain", "partner.example",
                "trust.clear", "true",
                "trust.add_envelope_from_domain", "Example.ORG",
                "trust.add_envelope_from_domain", "/\\.example\\.net\\z/");
        assertEquals(Map.of(), macrosAtMail(trust, "<a@gmail.com>"));
        assertEquals(Map.of(), macrosAtMail(trust, "<a@partner.example>"));
        assertEquals(Map.of("{trusted_domain}", "yes"), macrosAtMail(trust, "<a@example.org>"));
        assertEquals(Map.of("{trusted_domain}", "yes"), macrosAtMail(trust, "<a@mail.example.net>"));
        assertEquals(Map.of(), macrosAtMail(trust, "<a@example.net>"));
    }

    @Test
    void domainsAreLoadedFromAFileWithComments() throws IOException {
        Path file = dir.resolve("trusted-domains");
        Files.writeString(file, "# our partners\npartner.example\n\n  /\\Amail\\d+\\.example\\.com\\z/  \n#gone.example\n");
        ApplicabilityPolicy trust = trust("trust.clear", "yes", "trust.load_envelope_from_domains", file.toString());
        assertEquals(Map.of("{trusted_domain}", "yes"), macrosAtMail(trust, "<a@partner.example>"));
        assertEquals(Map.of("{trusted_domain}", "yes"), macrosAtMail(trust, "<a@mail42.example.com>"));
        assertEquals(Map.of(), macrosAtMail(trust, "<a@gone.example>"));
        assertEquals(Map.of(), macrosAtMail(trust, "<a@gmail.com>"));
    }

    @Test
    void itActsAtMailOnly() {
        Probe probe = new Probe();
        ApplicabilityPolicy trust = Conditions.trust();
        assertTrue(probe.ask(trust, Probe.inet("mail.gmail.com", "192.0.2.1")));
        assertTrue(probe.ask(trust, Probe.rcpt("<bob@gmail.com>")));
        assertTrue(probe.ask(trust, new Command.Data()));
        assertEquals(Map.of(), probe.set);
    }

    @Test
    void badParametersNameTheirOrigin() throws IOException {
        var missing = assertThrows(InvalidConditionParameterException.class,
                () -> trust("trust.load_envelope_from_domains", dir.resolve("nope").toString()));
        assertTrue(missing.getMessage().startsWith("mm.conf:1: trust.load_envelope_from_domains = "
                + dir.resolve("nope") + ": expected a readable file of domains"), missing.getMessage());
        Path file = dir.resolve("bad");
        Files.writeString(file, "ok.example\n/(broken/\n");
        var inFile = assertThrows(InvalidConditionParameterException.class,
                () -> trust("trust.load_envelope_from_domains", file.toString()));
        assertTrue(inFile.getMessage().startsWith(file + ":2: trust.load_envelope_from_domains = /(broken/: "
                + "expected a valid regular expression"), inFile.getMessage());
        var clear = assertThrows(InvalidConditionParameterException.class, () -> trust("trust.clear", "please"));
        assertEquals("mm.conf:1: trust.clear = please: expected true or false", clear.getMessage());
    }
}
